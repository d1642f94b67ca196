import { z } from 'zod';
import type { ImportCounts, PluginContext, PluginDataDocument, PluginImportOptions } from '../../src/plugins/api.js';
import { DataFileError } from '../../src/shared/errors.js';
import { MAX_PERIOD_DAYS, maskToWeekdays, normaliseFrequency, weekdaysToMask, type Frequency } from './frequency.js';
import { isCalendarDay, type Weekday } from './days.js';

/**
 * The habits plugin's data document (`plugins.habits` in `steward export
 * --format json`, and what the Loop readers produce): every habit with its
 * check-ins and skips. Version 1:
 *
 *     { version: 1, habits: [{ key, name, frequency: { num, den, weekdays },
 *       reminder, createdAt, archivedAt, entries: [{ day, kind, note, createdAt }] }],
 *       warnings?: [string] }
 *
 * `key` names a habit across databases: `native:<id>` for a habit made in
 * the exporting database, or the import key it came in with
 * (`loop:<uuid>`, `loop-db:<id>:<name>`, `loop-csv:<position>:<name>`).
 */

/** Version of the document this plugin writes. */
export const HABITS_DATA_VERSION = 1;

const day = z.string().refine(isCalendarDay, 'must be a day, YYYY-MM-DD');
const instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 instant');

const entrySchema = z.object({
  day,
  kind: z.enum(['done', 'skip']),
  note: z.string().nullable().default(null),
  createdAt: instant.optional(),
});

const frequencySchema = z
  .object({
    num: z.number().int().min(1),
    den: z.number().int().min(1).max(MAX_PERIOD_DAYS),
    weekdays: z.array(z.number().int().min(1).max(7)).nullable().default(null),
  })
  .refine((frequency) => frequency.num <= frequency.den, 'num must be at most den');

const habitSchema = z.object({
  key: z.string().min(1),
  name: z.string().trim().min(1),
  frequency: frequencySchema,
  reminder: z
    .string()
    .regex(/^[0-2]\d:[0-5]\d$/, 'must be HH:MM')
    .nullable()
    .default(null),
  createdAt: instant,
  archivedAt: instant.nullable().default(null),
  entries: z.array(entrySchema),
});

const documentSchema = z.object({
  version: z.number().int().min(1).max(HABITS_DATA_VERSION),
  habits: z.array(habitSchema),
  warnings: z.array(z.string()).optional(),
});

/** One check-in or skip in a habits document. */
export type HabitEntryRecord = z.input<typeof entrySchema>;
/** One habit in a habits document. */
export type HabitRecord = z.input<typeof habitSchema>;
/** The habits plugin's data document. */
export type HabitsDocument = PluginDataDocument & z.input<typeof documentSchema>;

interface HabitRow {
  id: number;
  name: string;
  freq_num: number;
  freq_den: number;
  weekdays: number | null;
  reminder_time: string | null;
  created_at: string;
  archived_at: string | null;
  import_key: string | null;
}

/**
 * Every habit, archived ones too, with its check-ins and skips, oldest first.
 * @param context - the habits plugin's context
 * @returns the document, version {@link HABITS_DATA_VERSION}
 */
export function exportHabits(context: PluginContext): HabitsDocument {
  const entries = context.store.prepare<
    [number],
    { day: string; kind: 'done' | 'skip'; note: string | null; created_at: string }
  >('SELECT day, kind, note, created_at FROM habit_checkins WHERE habit_id = ? ORDER BY day');
  const habits = context.store
    .prepare<[], HabitRow>('SELECT * FROM habits ORDER BY id')
    .all()
    .map((row): HabitRecord => ({
      key: row.import_key ?? `native:${row.id}`,
      name: row.name,
      frequency: { num: row.freq_num, den: row.freq_den, weekdays: maskToWeekdays(row.weekdays) },
      reminder: row.reminder_time,
      createdAt: row.created_at,
      archivedAt: row.archived_at,
      entries: entries
        .all(row.id)
        .map((entry) => ({ day: entry.day, kind: entry.kind, note: entry.note, createdAt: entry.created_at })),
    }));
  return { version: HABITS_DATA_VERSION, habits };
}

function parseDocument(document: unknown): z.output<typeof documentSchema> {
  const parsed = documentSchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((part, index) =>
    typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
  );
  throw new DataFileError('habits document', issue?.message ?? 'unreadable', path.join(''));
}

/** A name no active habit has (any case): the name itself, or `name (2)`, `name (3)`, ... */
function freeName(context: PluginContext, name: string): string {
  const taken = context.store.prepare<[string], { id: number }>(
    'SELECT id FROM habits WHERE name = ? COLLATE NOCASE AND archived_at IS NULL',
  );
  if (taken.get(name) === undefined) return name;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${name} (${suffix})`;
    if (taken.get(candidate) === undefined) return candidate;
  }
}

/**
 * Write a habits document: habits it names that are not here yet (by key),
 * and every check-in and skip on a day that has none. A habit already here
 * keeps its own name, frequency, reminder and archived state; a check-in
 * replaces a skip of the same day (Loop's YES_MANUAL wins); a skip never
 * replaces a check-in. An active habit whose name is taken gets `name (2)`.
 * @param document - a habits document (checked field by field first)
 * @param context - the habits plugin's context
 * @param options - origin of the document and progress
 * @returns `habits` added, `checkIns` and `skips` added (a skip turned into a check-in counts as a check-in)
 * @throws DataFileError naming the first bad field, before anything is written
 */
export function importHabits(document: unknown, context: PluginContext, options: PluginImportOptions): ImportCounts {
  const parsed = parseDocument(document);
  const { store } = context;
  const byKey = store.prepare<[string], { id: number }>('SELECT id FROM habits WHERE import_key = ?');
  const byId = store.prepare<[number], { id: number }>('SELECT id FROM habits WHERE id = ?');
  const insertHabit = store.prepare(
    'INSERT INTO habits (id, name, freq_num, freq_den, weekdays, reminder_time, created_at, archived_at, import_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const existing = store.prepare<[number, string], { kind: 'done' | 'skip' }>(
    'SELECT kind FROM habit_checkins WHERE habit_id = ? AND day = ?',
  );
  const insertEntry = store.prepare(
    'INSERT INTO habit_checkins (habit_id, day, kind, note, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const promote = store.prepare(
    "UPDATE habit_checkins SET kind = 'done', note = COALESCE(?, note) WHERE habit_id = ? AND day = ?",
  );
  const now = context.clock.now().toISOString();
  const counts = { habits: 0, checkIns: 0, skips: 0 };
  const total = parsed.habits.reduce((sum, habit) => sum + habit.entries.length, 0);
  let done = 0;
  const write = store.transaction(() => {
    for (const habit of parsed.habits) {
      const native = /^native:(\d+)$/.exec(habit.key);
      const importKey = native === null ? habit.key : `${options.origin}:habit:${native[1]}`;
      let habitId =
        native !== null && options.sameDatabase ? byId.get(Number(native[1]))?.id : byKey.get(importKey)?.id;
      if (habitId === undefined) {
        const frequency = normaliseFrequency({
          num: habit.frequency.num,
          den: habit.frequency.den,
          weekdays: (habit.frequency.weekdays as Weekday[] | null) ?? null,
        } satisfies Frequency);
        const name = habit.archivedAt === null ? freeName(context, habit.name) : habit.name;
        // A habit of this very database (an export brought back into an empty one) keeps its id and has no import key.
        const own = native !== null && options.sameDatabase;
        const result = insertHabit.run(
          own ? Number(native[1]) : null,
          name,
          frequency.num,
          frequency.den,
          weekdaysToMask(frequency.weekdays),
          habit.reminder,
          habit.createdAt,
          habit.archivedAt,
          own ? null : importKey,
        );
        habitId = Number(result.lastInsertRowid);
        counts.habits += 1;
      }
      for (const entry of habit.entries) {
        const found = existing.get(habitId, entry.day);
        if (found === undefined) {
          insertEntry.run(habitId, entry.day, entry.kind, entry.note, entry.createdAt ?? now);
          counts[entry.kind === 'done' ? 'checkIns' : 'skips'] += 1;
        } else if (found.kind === 'skip' && entry.kind === 'done') {
          promote.run(entry.note, habitId, entry.day);
          counts.checkIns += 1;
        }
        done += 1;
        if (done % 5000 === 0) options.onProgress?.(done, total);
      }
    }
  });
  // Inside the core's import transaction this is a savepoint; alone, it takes the write lock at once.
  write.immediate();
  options.onProgress?.(total, total);
  return counts;
}
