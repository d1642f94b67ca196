import type { Database } from '../../src/memory/database.js';
import { resolveByName } from '../../src/plugins/resolve.js';
import { addDays, daysBetween, type IsoDate } from '../../src/shared/time.js';
import type { Frequency } from './frequency.js';
import { bestStreak, currentStreak, remainingThisPeriod } from './streaks.js';

/** A habit as stored. */
export interface Habit {
  /** Row id. */
  id: number;
  /** Name as the owner typed it. */
  name: string;
  /** How often it is due. */
  frequency: Frequency;
  /** ISO instant it was added. */
  createdAt: string;
}

/** A habit with its check-in days and the numbers derived from them. */
export interface HabitSummary extends Habit {
  /** Days with a check-in, ascending. */
  days: IsoDate[];
  /** Current streak in periods (days or weeks). */
  streak: number;
  /** Best streak in periods. */
  best: number;
  /** Check-ins still due in the current period. */
  remaining: number;
  /** Whether there is a check-in for today. */
  doneToday: boolean;
}

interface HabitRow {
  id: number;
  name: string;
  freq_num: number;
  freq_den: number;
  created_at: string;
}

function toHabit(row: HabitRow): Habit {
  return { id: row.id, name: row.name, frequency: { num: row.freq_num, den: row.freq_den === 7 ? 7 : 1 }, createdAt: row.created_at };
}

/** SQL of the habits plugin's first migration. */
export const HABITS_SCHEMA = `
CREATE TABLE habits (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  freq_num    INTEGER NOT NULL DEFAULT 1 CHECK (freq_num >= 1),
  freq_den    INTEGER NOT NULL DEFAULT 1 CHECK (freq_den IN (1, 7)),
  created_at  TEXT NOT NULL,
  archived_at TEXT
);
CREATE UNIQUE INDEX habits_active_name ON habits (name COLLATE NOCASE) WHERE archived_at IS NULL;
CREATE TABLE habit_checkins (
  id         INTEGER PRIMARY KEY,
  habit_id   INTEGER NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
  day        TEXT NOT NULL,
  note       TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (habit_id, day)
);
`;

/** Reads and writes habits and check-ins. Days are the owner's local days. */
export class HabitStore {
  readonly #database: Database;

  /** @param database - the migrated database */
  constructor(database: Database) {
    this.#database = database;
  }

  /** Active habits, oldest first. */
  list(): Habit[] {
    return this.#database.prepare<[], HabitRow>('SELECT * FROM habits WHERE archived_at IS NULL ORDER BY id').all().map(toHabit);
  }

  /**
   * Find a habit by id (`#3`), exact name, or an unambiguous partial name.
   * @throws NotFoundError with the closest names, or AmbiguousReferenceError
   */
  resolve(query: string): Habit {
    return resolveByName('habit', query, this.list());
  }

  /**
   * Add a habit.
   * @returns the new habit, or undefined when an active habit already has that name
   */
  add(name: string, frequency: Frequency, now: Date): Habit | undefined {
    const result = this.#database
      .prepare('INSERT INTO habits (name, freq_num, freq_den, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(name, frequency.num, frequency.den, now.toISOString());
    if (result.changes === 0) return undefined;
    const row = this.#database.prepare<[number], HabitRow>('SELECT * FROM habits WHERE id = ?').get(Number(result.lastInsertRowid));
    return row === undefined ? undefined : toHabit(row);
  }

  /**
   * Record a check-in for a local day; a second one for the same day is a no-op.
   * @returns true when a check-in was written, false when the day was already checked in
   */
  checkIn(habitId: number, day: IsoDate, now: Date, note: string | null = null): boolean {
    const result = this.#database
      .prepare('INSERT INTO habit_checkins (habit_id, day, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (habit_id, day) DO NOTHING')
      .run(habitId, day, note, now.toISOString());
    return result.changes === 1;
  }

  /** Days with a check-in, ascending. */
  days(habitId: number): IsoDate[] {
    return this.#database
      .prepare<[number], { day: string }>('SELECT day FROM habit_checkins WHERE habit_id = ? ORDER BY day')
      .all(habitId)
      .map((row) => row.day);
  }

  /**
   * A habit with its streaks as of `today`.
   * @param habit - the habit
   * @param today - the owner's local day
   */
  summarise(habit: Habit, today: IsoDate): HabitSummary {
    const days = this.days(habit.id);
    return {
      ...habit,
      days,
      streak: currentStreak(days, habit.frequency, today),
      best: bestStreak(days, habit.frequency),
      remaining: remainingThisPeriod(days, habit.frequency, today),
      doneToday: days.includes(today),
    };
  }

  /**
   * Check-ins in the `length` days ending with `today` (inclusive).
   * @returns a count between 0 and `length`
   */
  static countInWindow(days: readonly IsoDate[], today: IsoDate, length: number): number {
    const first = addDays(today, -(length - 1));
    return days.filter((day) => day >= first && day <= today && daysBetween(day, today) >= 0).length;
  }
}
