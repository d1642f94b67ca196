import type { PluginStore } from '../../src/plugins/api.js';
import { refuseTooLong } from '../../src/shared/limits.js';
import { resolveByName } from '../../src/shared/resolve.js';
import { localDate, type IsoDate } from '../../src/shared/time.js';
import type { GoalCategory } from './category.js';

/** Where a goal stands. */
export type GoalStatus = 'active' | 'completed' | 'abandoned';

/** A goal as stored. */
export interface Goal {
  /** Row id (`#2` names it). */
  id: number;
  /** Title as the owner typed it. */
  title: string;
  /** Its category. */
  category: GoalCategory;
  /** Deadline (local day) or null. */
  deadline: IsoDate | null;
  /** Progress, 0–100 %. */
  progress: number;
  /** `active`, `completed` or `abandoned`. */
  status: GoalStatus;
  /** ISO instant it was set. */
  createdAt: string;
  /** The owner's local day it was set (pace counts from it). */
  startedOn: IsoDate;
  /** ISO instant it was completed or abandoned, or null. */
  closedAt: string | null;
}

/** A milestone of a goal. */
export interface Milestone {
  /** Row id. */
  id: number;
  /** The goal's id. */
  goalId: number;
  /** Title as typed. */
  title: string;
  /** ISO instant it was added. */
  createdAt: string;
  /** ISO instant it was completed, or null. */
  completedAt: string | null;
}

/** One progress entry of a goal's history. */
export interface ProgressEntry {
  /** Progress after the entry, 0–100 %. */
  progress: number;
  /** The owner's note, or null. */
  note: string | null;
  /** ISO instant of the entry. */
  createdAt: string;
}

interface GoalRow {
  id: number;
  title: string;
  category: GoalCategory;
  deadline: string | null;
  progress: number;
  status: GoalStatus;
  created_at: string;
  started_on: string | null;
  closed_at: string | null;
}

interface MilestoneRow {
  id: number;
  goal_id: number;
  title: string;
  created_at: string;
  completed_at: string | null;
}

function toMilestone(row: MilestoneRow): Milestone {
  return {
    id: row.id,
    goalId: row.goal_id,
    title: row.title,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

/** Reads and writes goals, their progress history and milestones. */
export class GoalStore {
  readonly #store: PluginStore;
  readonly #timeZone: string;
  readonly #maxName: number;

  /**
   * @param store - the plugin's store handle (its tables migrated)
   * @param timeZone - the owner's IANA zone (for the local day a goal was set)
   * @param maxName - the most characters in a title (`limits.name`); longer titles are refused, and not looked up
   */
  constructor(store: PluginStore, timeZone: string, maxName = Number.POSITIVE_INFINITY) {
    this.#store = store;
    this.#timeZone = timeZone;
    this.#maxName = maxName;
  }

  /**
   * Refuse a title longer than `limits.name`, before any matching whose cost grows with it.
   * @param title - a goal or milestone title as typed
   * @param what - `goal title` or `milestone title`, for the message
   * @throws InputTooLongError when it is too long
   */
  checkTitle(title: string, what = 'goal title'): void {
    refuseTooLong(title.trim(), this.#maxName, what, 'limits.name');
  }

  #toGoal(row: GoalRow): Goal {
    return {
      id: row.id,
      title: row.title,
      category: row.category,
      deadline: row.deadline,
      progress: row.progress,
      status: row.status,
      createdAt: row.created_at,
      startedOn: row.started_on ?? localDate(new Date(row.created_at), this.#timeZone),
      closedAt: row.closed_at,
    };
  }

  /**
   * Goals with a status, oldest first.
   * @param status - which goals (default `active`), or `all`
   * @returns the goals, by ascending id
   */
  list(status: GoalStatus | 'all' = 'active'): Goal[] {
    const rows =
      status === 'all'
        ? this.#store.prepare<[], GoalRow>('SELECT * FROM goals ORDER BY id').all()
        : this.#store.prepare<[string], GoalRow>('SELECT * FROM goals WHERE status = ? ORDER BY id').all(status);
    return rows.map((row) => this.#toGoal(row));
  }

  /**
   * The goal with this id, if any.
   * @param id - the goal's row id
   * @returns the goal with any status, or undefined when there is none with that id
   */
  get(id: number): Goal | undefined {
    const row = this.#store.prepare<[number], GoalRow>('SELECT * FROM goals WHERE id = ?').get(id);
    return row === undefined ? undefined : this.#toGoal(row);
  }

  /**
   * Find a goal by id (`#2`), exact title, a distinctive part of it
   * ("marathon") or a small typo, among the active goals (or `closed` ones).
   * @param query - what the owner typed
   * @param options - `closed: true` to look among the completed and abandoned goals instead of the active ones
   * @returns the one goal meant
   * @throws NotFoundError with the closest titles, or AmbiguousReferenceError listing the candidates
   */
  resolve(query: string, options: { closed?: boolean } = {}): Goal {
    this.checkTitle(query);
    const goals = options.closed === true ? this.list('all').filter((goal) => goal.status !== 'active') : this.list();
    const found = resolveByName(
      options.closed === true ? 'finished goal' : 'goal',
      query,
      goals.map((goal) => ({ id: goal.id, name: goal.title })),
    );
    return goals.find((goal) => goal.id === found.id) as Goal;
  }

  /**
   * Add an active goal at 0 %.
   * @param title - the title as typed
   * @param category - its category
   * @param deadline - the deadline, a local day `YYYY-MM-DD`, or null for none
   * @param now - the current instant; the owner's local day of it is the day the goal was set (pace counts from it)
   * @returns the new goal
   */
  add(title: string, category: GoalCategory, deadline: IsoDate | null, now: Date): Goal {
    this.checkTitle(title);
    const stamp = now.toISOString();
    const result = this.#store
      .prepare(
        'INSERT INTO goals (title, category, deadline, started_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(title, category, deadline, localDate(now, this.#timeZone), stamp, stamp);
    return this.get(Number(result.lastInsertRowid)) as Goal;
  }

  /**
   * Set a goal's progress and keep the entry in its history, in one transaction.
   * @param goalId - the goal's row id
   * @param progress - 0–100 %
   * @param now - the instant of the entry
   * @param note - the owner's note, or null
   * @returns the previous progress, 0–100 % (0 when there is no such goal)
   */
  setProgress(goalId: number, progress: number, now: Date, note: string | null = null): number {
    const update = this.#store.transaction(() => {
      const before = this.#store
        .prepare<[number], { progress: number }>('SELECT progress FROM goals WHERE id = ?')
        .get(goalId);
      this.#store
        .prepare('UPDATE goals SET progress = ?, updated_at = ? WHERE id = ?')
        .run(progress, now.toISOString(), goalId);
      this.#store
        .prepare('INSERT INTO goal_progress (goal_id, progress, note, created_at) VALUES (?, ?, ?, ?)')
        .run(goalId, progress, note, now.toISOString());
      return before?.progress ?? 0;
    });
    return update.immediate();
  }

  /**
   * Complete, abandon or reopen a goal. Completing sets the progress to 100 %
   * (with a history entry).
   * @param goalId - the goal's row id
   * @param status - the new status; `active` reopens and clears the closing instant
   * @param now - the instant of the change (the closing instant when completed or abandoned)
   */
  setStatus(goalId: number, status: GoalStatus, now: Date): void {
    const update = this.#store.transaction(() => {
      const stamp = now.toISOString();
      this.#store
        .prepare('UPDATE goals SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?')
        .run(status, status === 'active' ? null : stamp, stamp, goalId);
      const goal = this.get(goalId);
      if (status === 'completed' && goal !== undefined && goal.progress < 100)
        this.setProgress(goalId, 100, now, 'completed');
    });
    update.immediate();
  }

  /**
   * Change a goal's deadline (null: none).
   * @param goalId - the goal's row id
   * @param deadline - the new deadline, a local day `YYYY-MM-DD`, or null for none
   * @param now - the instant of the change
   */
  setDeadline(goalId: number, deadline: IsoDate | null, now: Date): void {
    this.#store
      .prepare('UPDATE goals SET deadline = ?, updated_at = ? WHERE id = ?')
      .run(deadline, now.toISOString(), goalId);
  }

  /**
   * Change a goal's category.
   * @param goalId - the goal's row id
   * @param category - the new category
   * @param now - the instant of the change
   */
  setCategory(goalId: number, category: GoalCategory, now: Date): void {
    this.#store
      .prepare('UPDATE goals SET category = ?, updated_at = ? WHERE id = ?')
      .run(category, now.toISOString(), goalId);
  }

  /**
   * Progress at an earlier instant (the last entry at or before it), for weekly change.
   * @param goalId - the goal's row id
   * @param instant - the instant to look back to
   * @returns 0–100 %, 0 when there was no entry yet
   */
  progressAt(goalId: number, instant: Date): number {
    const row = this.#store
      .prepare<[number, string], { progress: number }>(
        'SELECT progress FROM goal_progress WHERE goal_id = ? AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1',
      )
      .get(goalId, instant.toISOString());
    return row?.progress ?? 0;
  }

  /**
   * The latest progress entries of a goal, newest first.
   * @param goalId - the goal's row id
   * @param limit - at most this many (10 by default)
   * @returns the entries, newest first
   */
  history(goalId: number, limit = 10): ProgressEntry[] {
    return this.#store
      .prepare<[number, number], { progress: number; note: string | null; created_at: string }>(
        'SELECT progress, note, created_at FROM goal_progress WHERE goal_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      )
      .all(goalId, limit)
      .map((row) => ({ progress: row.progress, note: row.note, createdAt: row.created_at }));
  }

  /**
   * A goal's milestones, in the order they were added.
   * @param goalId - the goal's row id
   * @returns the milestones, open and completed, by ascending id
   */
  milestones(goalId: number): Milestone[] {
    return this.#store
      .prepare<[number], MilestoneRow>('SELECT * FROM goal_milestones WHERE goal_id = ? ORDER BY id')
      .all(goalId)
      .map(toMilestone);
  }

  /**
   * Add a milestone to a goal; titles are not checked for repeats here.
   * @param goalId - the goal's row id
   * @param title - the milestone's title
   * @param now - when it was added
   * @returns the new milestone, open
   */
  addMilestone(goalId: number, title: string, now: Date): Milestone {
    this.checkTitle(title, 'milestone title');
    const result = this.#store
      .prepare('INSERT INTO goal_milestones (goal_id, title, created_at) VALUES (?, ?, ?)')
      .run(goalId, title, now.toISOString());
    return { id: Number(result.lastInsertRowid), goalId, title, createdAt: now.toISOString(), completedAt: null };
  }

  /**
   * Mark a milestone completed now. A milestone already completed keeps its first completion instant.
   * @param milestoneId - the milestone's row id
   * @param now - the completion instant
   */
  completeMilestone(milestoneId: number, now: Date): void {
    this.#store
      .prepare('UPDATE goal_milestones SET completed_at = ? WHERE id = ? AND completed_at IS NULL')
      .run(now.toISOString(), milestoneId);
  }

  /**
   * Milestones completed at or after an instant, with their goal's title, oldest first.
   * @param since - the earliest completion instant
   * @returns the milestones, each with `goalTitle`, by completion instant
   */
  milestonesCompletedSince(since: Date): Array<Milestone & { goalTitle: string }> {
    return this.#store
      .prepare<[string], MilestoneRow & { goal_title: string }>(
        `SELECT goal_milestones.*, goals.title AS goal_title FROM goal_milestones JOIN goals ON goals.id = goal_milestones.goal_id
         WHERE completed_at >= ? ORDER BY completed_at, goal_milestones.id`,
      )
      .all(since.toISOString())
      .map((row) => ({ ...toMilestone(row), goalTitle: row.goal_title }));
  }

  /**
   * Goals completed at or after an instant, oldest first.
   * @param since - the earliest completion instant
   * @returns the completed goals, by closing instant
   */
  completedSince(since: Date): Goal[] {
    return this.#store
      .prepare<[string], GoalRow>(
        "SELECT * FROM goals WHERE status = 'completed' AND closed_at >= ? ORDER BY closed_at",
      )
      .all(since.toISOString())
      .map((row) => this.#toGoal(row));
  }
}
