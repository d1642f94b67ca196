import type { Database } from '../../src/memory/database.js';
import { resolveByName } from '../../src/plugins/resolve.js';
import type { IsoDate } from '../../src/shared/time.js';

/** A goal as stored. */
export interface Goal {
  /** Row id. */
  id: number;
  /** Title as the owner typed it. */
  title: string;
  /** Deadline (local day) or null. */
  deadline: IsoDate | null;
  /** Progress, 0–100 %. */
  progress: number;
  /** `active`, `completed` or `abandoned`. */
  status: 'active' | 'completed' | 'abandoned';
  /** ISO instant it was set. */
  createdAt: string;
}

interface GoalRow {
  id: number;
  title: string;
  deadline: string | null;
  progress: number;
  status: Goal['status'];
  created_at: string;
}

function toGoal(row: GoalRow): Goal {
  return { id: row.id, title: row.title, deadline: row.deadline, progress: row.progress, status: row.status, createdAt: row.created_at };
}

/** SQL of the goals plugin's first migration. */
export const GOALS_SCHEMA = `
CREATE TABLE goals (
  id         INTEGER PRIMARY KEY,
  title      TEXT NOT NULL,
  deadline   TEXT,
  progress   INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE goal_progress (
  id         INTEGER PRIMARY KEY,
  goal_id    INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  progress   INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
  note       TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX goal_progress_goal ON goal_progress (goal_id, created_at);
`;

/** Reads and writes goals and their progress entries. */
export class GoalStore {
  readonly #database: Database;

  /** @param database - the migrated database */
  constructor(database: Database) {
    this.#database = database;
  }

  /** Active goals, oldest first. */
  active(): Goal[] {
    return this.#database.prepare<[], GoalRow>("SELECT * FROM goals WHERE status = 'active' ORDER BY id").all().map(toGoal);
  }

  /**
   * Find an active goal by id (`#2`), exact title, or an unambiguous part of it ("marathon").
   * @throws NotFoundError with the closest titles, or AmbiguousReferenceError
   */
  resolve(query: string): Goal {
    const goals = this.active();
    const found = resolveByName('goal', query, goals.map((goal) => ({ id: goal.id, name: goal.title })));
    return goals.find((goal) => goal.id === found.id) as Goal;
  }

  /** Add an active goal at 0 %. */
  add(title: string, deadline: IsoDate | null, now: Date): Goal {
    const stamp = now.toISOString();
    const result = this.#database
      .prepare('INSERT INTO goals (title, deadline, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(title, deadline, stamp, stamp);
    return { id: Number(result.lastInsertRowid), title, deadline, progress: 0, status: 'active', createdAt: stamp };
  }

  /**
   * Set a goal's progress and keep the entry in its history.
   * @param progress - 0–100 %
   * @returns the previous progress
   */
  setProgress(goalId: number, progress: number, now: Date, note: string | null = null): number {
    const update = this.#database.transaction(() => {
      const before = this.#database.prepare<[number], { progress: number }>('SELECT progress FROM goals WHERE id = ?').get(goalId);
      this.#database.prepare('UPDATE goals SET progress = ?, updated_at = ? WHERE id = ?').run(progress, now.toISOString(), goalId);
      this.#database
        .prepare('INSERT INTO goal_progress (goal_id, progress, note, created_at) VALUES (?, ?, ?, ?)')
        .run(goalId, progress, note, now.toISOString());
      return before?.progress ?? 0;
    });
    return update();
  }

  /**
   * Progress at an earlier instant (the last entry before it), for weekly change.
   * @returns 0–100 %, 0 when there was no entry yet
   */
  progressAt(goalId: number, instant: Date): number {
    const row = this.#database
      .prepare<[number, string], { progress: number }>(
        'SELECT progress FROM goal_progress WHERE goal_id = ? AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1',
      )
      .get(goalId, instant.toISOString());
    return row?.progress ?? 0;
  }
}
