import { z } from 'zod';
import type { ImportCounts, PluginContext, PluginDataDocument, PluginImportOptions } from '../../src/plugins/api.js';
import { DataFileError } from '../../src/shared/errors.js';
import { parseIsoDate } from '../../src/shared/time.js';
import { GOAL_CATEGORIES } from './category.js';

/**
 * The goals plugin's data document (`plugins.goals` in `steward export
 * --format json`): every goal with its milestones and progress history.
 * Version 1:
 *
 *     { version: 1, goals: [{ key, title, category, deadline, progress, status,
 *       startedOn, createdAt, updatedAt, closedAt,
 *       milestones: [{ title, createdAt, completedAt }],
 *       progressHistory: [{ progress, note, createdAt }] }] }
 *
 * `key` is `native:<id>` for a goal set in the exporting database, or the
 * import key it came in with.
 */

/** Version of the document this plugin writes. */
export const GOALS_DATA_VERSION = 1;

const day = z.string().refine((text) => parseIsoDate(text) !== undefined, 'must be a day, YYYY-MM-DD');
const instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 instant');
const percent = z.number().int().min(0).max(100);

const goalSchema = z.object({
  key: z.string().min(1),
  title: z.string().trim().min(1),
  category: z.enum(GOAL_CATEGORIES).default('other'),
  deadline: day.nullable().default(null),
  progress: percent,
  status: z.enum(['active', 'completed', 'abandoned']),
  startedOn: day.nullable().default(null),
  createdAt: instant,
  updatedAt: instant,
  closedAt: instant.nullable().default(null),
  milestones: z.array(z.object({ title: z.string().min(1), createdAt: instant, completedAt: instant.nullable() })),
  progressHistory: z.array(z.object({ progress: percent, note: z.string().nullable(), createdAt: instant })),
});

const documentSchema = z.object({
  version: z.number().int().min(1).max(GOALS_DATA_VERSION),
  goals: z.array(goalSchema),
});

/** One goal in a goals document. */
export type GoalRecord = z.input<typeof goalSchema>;
/** The goals plugin's data document. */
export type GoalsDocument = PluginDataDocument & z.input<typeof documentSchema>;

interface GoalRow {
  id: number;
  title: string;
  category: string;
  deadline: string | null;
  progress: number;
  status: 'active' | 'completed' | 'abandoned';
  started_on: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  import_key: string | null;
}

/**
 * Every goal, with its milestones and progress history, oldest first.
 * @param context - the goals plugin's context
 * @returns the document, version {@link GOALS_DATA_VERSION}
 */
export function exportGoals(context: PluginContext): GoalsDocument {
  const { store } = context;
  const milestones = store.prepare<[number], { title: string; created_at: string; completed_at: string | null }>(
    'SELECT title, created_at, completed_at FROM goal_milestones WHERE goal_id = ? ORDER BY id',
  );
  const history = store.prepare<[number], { progress: number; note: string | null; created_at: string }>(
    'SELECT progress, note, created_at FROM goal_progress WHERE goal_id = ? ORDER BY id',
  );
  const goals = store
    .prepare<[], GoalRow>('SELECT * FROM goals ORDER BY id')
    .all()
    .map((row): GoalRecord => ({
      key: row.import_key ?? `native:${row.id}`,
      title: row.title,
      category: row.category as GoalRecord['category'],
      deadline: row.deadline,
      progress: row.progress,
      status: row.status,
      startedOn: row.started_on,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      closedAt: row.closed_at,
      milestones: milestones
        .all(row.id)
        .map((entry) => ({ title: entry.title, createdAt: entry.created_at, completedAt: entry.completed_at })),
      progressHistory: history
        .all(row.id)
        .map((entry) => ({ progress: entry.progress, note: entry.note, createdAt: entry.created_at })),
    }));
  return { version: GOALS_DATA_VERSION, goals };
}

/**
 * Write a goals document: goals not here yet (by key), and the milestones
 * and progress entries a goal does not have yet (same title and time, same
 * value and time). A goal already here keeps its own title, deadline,
 * progress and status.
 * @param document - a goals document (checked field by field first)
 * @param context - the goals plugin's context
 * @param options - origin of the document
 * @returns `goals`, `milestones` and `progress` entries added
 * @throws DataFileError naming the first bad field, before anything is written
 */
export function importGoals(document: unknown, context: PluginContext, options: PluginImportOptions): ImportCounts {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    );
    throw new DataFileError('goals document', issue?.message ?? 'unreadable', path.join(''));
  }
  const { store } = context;
  const byKey = store.prepare<[string], { id: number }>('SELECT id FROM goals WHERE import_key = ?');
  const byId = store.prepare<[number], { id: number }>('SELECT id FROM goals WHERE id = ?');
  const insertGoal = store.prepare(
    `INSERT INTO goals (id, title, category, deadline, progress, status, started_on, created_at, updated_at, closed_at, import_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const hasMilestone = store.prepare<[number, string, string], { id: number }>(
    'SELECT id FROM goal_milestones WHERE goal_id = ? AND title = ? AND created_at = ?',
  );
  const insertMilestone = store.prepare(
    'INSERT INTO goal_milestones (goal_id, title, created_at, completed_at) VALUES (?, ?, ?, ?)',
  );
  const hasProgress = store.prepare<[number, number, string], { id: number }>(
    'SELECT id FROM goal_progress WHERE goal_id = ? AND progress = ? AND created_at = ?',
  );
  const insertProgress = store.prepare(
    'INSERT INTO goal_progress (goal_id, progress, note, created_at) VALUES (?, ?, ?, ?)',
  );
  const counts = { goals: 0, milestones: 0, progress: 0 };
  const write = store.transaction(() => {
    for (const goal of parsed.data.goals) {
      const native = /^native:(\d+)$/.exec(goal.key);
      const importKey = native === null ? goal.key : `${options.origin}:goal:${native[1]}`;
      let goalId = native !== null && options.sameDatabase ? byId.get(Number(native[1]))?.id : byKey.get(importKey)?.id;
      if (goalId === undefined) {
        // A goal of this very database (an export brought back into an empty one) keeps its id and has no import key.
        const own = native !== null && options.sameDatabase;
        const result = insertGoal.run(
          own ? Number(native[1]) : null,
          goal.title,
          goal.category,
          goal.deadline,
          goal.progress,
          goal.status,
          goal.startedOn,
          goal.createdAt,
          goal.updatedAt,
          goal.closedAt,
          own ? null : importKey,
        );
        goalId = Number(result.lastInsertRowid);
        counts.goals += 1;
      }
      for (const milestone of goal.milestones) {
        if (hasMilestone.get(goalId, milestone.title, milestone.createdAt) !== undefined) continue;
        insertMilestone.run(goalId, milestone.title, milestone.createdAt, milestone.completedAt);
        counts.milestones += 1;
      }
      for (const entry of goal.progressHistory) {
        if (hasProgress.get(goalId, entry.progress, entry.createdAt) !== undefined) continue;
        insertProgress.run(goalId, entry.progress, entry.note, entry.createdAt);
        counts.progress += 1;
      }
    }
  });
  // Inside the core's import transaction this is a savepoint; alone, it takes the write lock at once.
  write.immediate();
  return counts;
}
