import type { PluginStore } from '../../src/plugins/api.js';
import { refuseTooLong } from '../../src/shared/limits.js';
import { resolveByName } from '../../src/shared/resolve.js';
import { localDate, type IsoDate } from '../../src/shared/time.js';
import type { Entry } from './entries.js';
import { maskToWeekdays, weekdaysToMask, type Frequency } from './frequency.js';

/** A habit as stored. */
export interface Habit {
  /** Row id (`#3` names it). */
  id: number;
  /** Name as the owner typed it. */
  name: string;
  /** How often it is due. */
  frequency: Frequency;
  /** Local reminder time `HH:MM`, or null. */
  reminder: string | null;
  /** ISO instant it was added. */
  createdAt: string;
  /** The owner's local day it was added. */
  createdOn: IsoDate;
  /** ISO instant it was archived, or null while active. */
  archivedAt: string | null;
}

/** Outcome of recording a check-in or a skip. */
export type RecordOutcome = 'written' | 'unchanged' | 'replaced' | 'noted';

interface HabitRow {
  id: number;
  name: string;
  freq_num: number;
  freq_den: number;
  weekdays: number | null;
  reminder_time: string | null;
  created_at: string;
  archived_at: string | null;
}

interface EntryRow {
  day: string;
  kind: 'done' | 'skip';
  note: string | null;
}

/**
 * Reads and writes habits, their check-ins and skips, and the reminders
 * log. Days are the owner's local days (`YYYY-MM-DD`).
 */
export class HabitStore {
  readonly #store: PluginStore;
  readonly #timeZone: string;
  readonly #maxName: number;

  /**
   * @param store - the plugin's store handle (its tables migrated)
   * @param timeZone - the owner's IANA zone (for the local day a habit was added)
   * @param maxName - the most characters in a name (`limits.name`); longer names are refused, and not looked up
   */
  constructor(store: PluginStore, timeZone: string, maxName = Number.POSITIVE_INFINITY) {
    this.#store = store;
    this.#timeZone = timeZone;
    this.#maxName = maxName;
  }

  /**
   * Refuse a name longer than `limits.name`, before any matching whose cost grows with it.
   * @param name - a name as typed
   * @throws InputTooLongError when it is too long
   */
  checkName(name: string): void {
    refuseTooLong(name.trim(), this.#maxName, 'habit name', 'limits.name');
  }

  #toHabit(row: HabitRow): Habit {
    const den = row.freq_den >= 1 ? row.freq_den : 1;
    return {
      id: row.id,
      name: row.name,
      frequency: { num: row.freq_num, den, weekdays: maskToWeekdays(row.weekdays) },
      reminder: row.reminder_time,
      createdAt: row.created_at,
      createdOn: localDate(new Date(row.created_at), this.#timeZone),
      archivedAt: row.archived_at,
    };
  }

  /**
   * Active habits, oldest first.
   * @returns the habits not archived, by ascending id
   */
  list(): Habit[] {
    return this.#store
      .prepare<[], HabitRow>('SELECT * FROM habits WHERE archived_at IS NULL ORDER BY id')
      .all()
      .map((row) => this.#toHabit(row));
  }

  /**
   * Archived habits, oldest first.
   * @returns the archived habits, by ascending id
   */
  archived(): Habit[] {
    return this.#store
      .prepare<[], HabitRow>('SELECT * FROM habits WHERE archived_at IS NOT NULL ORDER BY id')
      .all()
      .map((row) => this.#toHabit(row));
  }

  /**
   * The habit with this id, active or archived.
   * @param id - the habit's row id
   * @returns the habit, or undefined when there is none with that id
   */
  get(id: number): Habit | undefined {
    const row = this.#store.prepare<[number], HabitRow>('SELECT * FROM habits WHERE id = ?').get(id);
    return row === undefined ? undefined : this.#toHabit(row);
  }

  /**
   * Find an active habit (or, with `archived`, an archived one) by id
   * (`#3`), exact name, a unique word of the name or a small typo.
   * @param query - what the owner typed
   * @param options - `archived: true` to look among the archived habits instead of the active ones
   * @returns the one habit meant
   * @throws NotFoundError with the closest names, or AmbiguousReferenceError listing the candidates
   */
  resolve(query: string, options: { archived?: boolean } = {}): Habit {
    this.checkName(query);
    return resolveByName(
      options.archived === true ? 'archived habit' : 'habit',
      query,
      options.archived === true ? this.archived() : this.list(),
    );
  }

  /**
   * Add a habit.
   * @param name - the name as typed
   * @param frequency - how often it is due
   * @param reminder - local reminder time `HH:MM`, or null for none
   * @param now - the current instant (stored as an ISO instant)
   * @returns the new habit, or undefined when an active habit already has that name (any case)
   */
  add(name: string, frequency: Frequency, reminder: string | null, now: Date): Habit | undefined {
    this.checkName(name);
    const result = this.#store
      .prepare(
        'INSERT INTO habits (name, freq_num, freq_den, weekdays, reminder_time, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(name, frequency.num, frequency.den, weekdaysToMask(frequency.weekdays), reminder, now.toISOString());
    if (result.changes === 0) return undefined;
    return this.get(Number(result.lastInsertRowid));
  }

  /**
   * Rename a habit.
   * @param id - the habit's row id
   * @param name - the new name
   * @returns true once renamed; false when another active habit already has the new name (any case), and nothing is written
   */
  rename(id: number, name: string): boolean {
    this.checkName(name);
    const clash = this.#store
      .prepare<[string, number], { id: number }>(
        'SELECT id FROM habits WHERE name = ? COLLATE NOCASE AND archived_at IS NULL AND id != ?',
      )
      .get(name, id);
    if (clash !== undefined) return false;
    this.#store.prepare('UPDATE habits SET name = ? WHERE id = ?').run(name, id);
    return true;
  }

  /**
   * Change a habit's frequency; its check-ins are kept.
   * @param id - the habit's row id
   * @param frequency - the new frequency
   */
  setFrequency(id: number, frequency: Frequency): void {
    this.#store
      .prepare('UPDATE habits SET freq_num = ?, freq_den = ?, weekdays = ? WHERE id = ?')
      .run(frequency.num, frequency.den, weekdaysToMask(frequency.weekdays), id);
  }

  /**
   * Set (`HH:MM`) or clear (null) a habit's reminder time.
   * @param id - the habit's row id
   * @param reminder - local time `HH:MM` (24-hour), or null for no reminder
   */
  setReminder(id: number, reminder: string | null): void {
    this.#store.prepare('UPDATE habits SET reminder_time = ? WHERE id = ?').run(reminder, id);
  }

  /**
   * Archive an active habit: it keeps its history but leaves lists, briefings
   * and reminders. An archived habit is left as it is.
   * @param id - the habit's row id
   * @param now - when it was archived
   */
  archive(id: number, now: Date): void {
    this.#store
      .prepare('UPDATE habits SET archived_at = ? WHERE id = ? AND archived_at IS NULL')
      .run(now.toISOString(), id);
  }

  /**
   * Bring an archived habit back.
   * @param id - the habit's row id
   * @returns true once it is active; false when there is no such habit or an active habit already has its name (any case), and nothing is written
   */
  unarchive(id: number): boolean {
    const habit = this.get(id);
    if (habit === undefined) return false;
    const clash = this.#store
      .prepare<[string], { id: number }>('SELECT id FROM habits WHERE name = ? COLLATE NOCASE AND archived_at IS NULL')
      .get(habit.name);
    if (clash !== undefined) return false;
    this.#store.prepare('UPDATE habits SET archived_at = NULL WHERE id = ?').run(id);
    return true;
  }

  /**
   * Delete a habit with its check-ins, skips and reminders, in one
   * transaction: either all of it goes or nothing does.
   * @param id - the habit's row id
   * @returns how many check-ins and skips were deleted with it
   * @throws SqliteError when the delete fails (nothing is deleted)
   */
  delete(id: number): number {
    const remove = this.#store.transaction(() => {
      const entries = this.#store.prepare('DELETE FROM habit_checkins WHERE habit_id = ?').run(id).changes;
      this.#store.prepare('DELETE FROM habit_reminders WHERE habit_id = ?').run(id);
      this.#store.prepare('DELETE FROM habits WHERE id = ?').run(id);
      return entries;
    });
    return remove.immediate();
  }

  /**
   * The owner's check-ins and skips of a habit, oldest first.
   * @param habitId - the habit's row id
   * @returns one entry per day with one, by ascending day
   */
  entries(habitId: number): Entry[] {
    return this.#store
      .prepare<[number], EntryRow>('SELECT day, kind, note FROM habit_checkins WHERE habit_id = ? ORDER BY day')
      .all(habitId)
      .map((row) => ({ day: row.day, kind: row.kind, note: row.note }));
  }

  /**
   * The entry of one day, if any.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @returns the check-in or skip of that day, or undefined
   */
  entryOn(habitId: number, day: IsoDate): Entry | undefined {
    const row = this.#store
      .prepare<[number, string], EntryRow>('SELECT day, kind, note FROM habit_checkins WHERE habit_id = ? AND day = ?')
      .get(habitId, day);
    return row === undefined ? undefined : { day: row.day, kind: row.kind, note: row.note };
  }

  /**
   * The check-in or skip recorded last (by when it was recorded, not by its day), if any.
   * @returns the habit's id and the entry, with when it was recorded (an ISO instant)
   */
  lastRecorded(): { habitId: number; day: IsoDate; kind: 'done' | 'skip'; recordedAt: string } | undefined {
    const row = this.#store
      .prepare<[], { habit_id: number; day: IsoDate; kind: 'done' | 'skip'; created_at: string }>(
        'SELECT c.habit_id, c.day, c.kind, c.created_at FROM habit_checkins c JOIN habits h ON h.id = c.habit_id WHERE h.archived_at IS NULL ORDER BY c.created_at DESC, c.id DESC LIMIT 1',
      )
      .get();
    return row === undefined
      ? undefined
      : { habitId: row.habit_id, day: row.day, kind: row.kind, recordedAt: row.created_at };
  }

  /**
   * Record a check-in (`done`) or a skip for a local day. One entry per
   * habit and day: the same kind again changes nothing; a check-in replaces a
   * skip; a skip never replaces a check-in (undo it first).
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @param kind - `done` for a check-in, `skip` for a skip
   * @param now - the current instant (stored as an ISO instant)
   * @param note - the note or reason, or null; a check-in replacing a skip keeps the skip's note when this is null
   * @returns `written`, `replaced` (a skip became a check-in) or `unchanged`
   */
  record(habitId: number, day: IsoDate, kind: 'done' | 'skip', now: Date, note: string | null = null): RecordOutcome {
    const write = this.#store.transaction((): RecordOutcome => {
      const existing = this.entryOn(habitId, day);
      if (existing === undefined) {
        this.#store
          .prepare('INSERT INTO habit_checkins (habit_id, day, kind, note, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(habitId, day, kind, note, now.toISOString());
        return 'written';
      }
      if (existing.kind === kind && note !== null) {
        // A second check-in with a note adds the note (one check-in per day).
        this.#store
          .prepare(
            "UPDATE habit_checkins SET note = CASE WHEN note IS NULL OR note = '' THEN ? ELSE note || '; ' || ? END WHERE habit_id = ? AND day = ?",
          )
          .run(note, note, habitId, day);
        return 'noted';
      }
      if (existing.kind === kind || kind === 'skip') return 'unchanged';
      this.#store
        .prepare(
          "UPDATE habit_checkins SET kind = 'done', note = COALESCE(?, note), created_at = ? WHERE habit_id = ? AND day = ?",
        )
        .run(note, now.toISOString(), habitId, day);
      return 'replaced';
    });
    return write.immediate();
  }

  /**
   * Remove the check-in or skip of a day.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @param kind - only remove an entry of this kind, or either
   * @returns the kind removed, or undefined when there was nothing to remove
   */
  undo(habitId: number, day: IsoDate, kind?: 'done' | 'skip'): 'done' | 'skip' | undefined {
    const remove = this.#store.transaction(() => {
      const existing = this.entryOn(habitId, day);
      if (existing === undefined || (kind !== undefined && existing.kind !== kind)) return undefined;
      this.#store.prepare('DELETE FROM habit_checkins WHERE habit_id = ? AND day = ?').run(habitId, day);
      return existing.kind;
    });
    return remove.immediate();
  }

  /**
   * Claim the reminder of a habit for a day, so that it goes out once, from
   * one process, on one channel.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @param channel - where it goes: `signal` (claimed as `sending`) or `repl` (claimed as `shown`)
   * @param now - the current instant (stored as an ISO instant)
   * @returns true when this call claimed it; false when it was already claimed
   */
  claimReminder(habitId: number, day: IsoDate, channel: 'signal' | 'repl', now: Date): boolean {
    const status = channel === 'repl' ? 'shown' : 'sending';
    const result = this.#store
      .prepare(
        'INSERT INTO habit_reminders (habit_id, day, channel, status, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(habitId, day, channel, status, now.toISOString());
    return result.changes === 1;
  }

  /**
   * Record what happened to a claimed reminder.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @param status - `sent`, `queued` (in the outbox, to be retried) or `failed`
   * @param detail - why, for example the delivery error, or null
   */
  settleReminder(
    habitId: number,
    day: IsoDate,
    status: 'sent' | 'queued' | 'failed',
    detail: string | null = null,
  ): void {
    this.#store
      .prepare('UPDATE habit_reminders SET status = ?, detail = ? WHERE habit_id = ? AND day = ?')
      .run(status, detail, habitId, day);
  }

  /**
   * Forget a claim whose delivery never started (so a later run can try
   * again). Only a claim still `sending` is forgotten.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   */
  releaseReminder(habitId: number, day: IsoDate): void {
    this.#store
      .prepare("DELETE FROM habit_reminders WHERE habit_id = ? AND day = ? AND status = 'sending'")
      .run(habitId, day);
  }

  /**
   * The reminder status of a habit on a day, if one was claimed.
   * @param habitId - the habit's row id
   * @param day - the owner's local day, `YYYY-MM-DD`
   * @returns `sending`, `shown`, `sent`, `queued` or `failed`, or undefined when no reminder was claimed
   */
  reminderStatus(habitId: number, day: IsoDate): string | undefined {
    return this.#store
      .prepare<[number, string], { status: string }>(
        'SELECT status FROM habit_reminders WHERE habit_id = ? AND day = ?',
      )
      .get(habitId, day)?.status;
  }
}
