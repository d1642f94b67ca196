import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { ConversationStore } from '../memory/conversations.js';
import type { ImportBatch } from '../memory/importer.js';
import type { Memory } from '../memory/memory.js';
import type { DataProgress, ImportCounts, PluginDataDocument } from '../plugins/api.js';
import type { PluginHost } from '../plugins/host.js';
import type { Database } from '../shared/database.js';
import { DataFileError, InvalidImportError, UsageError, describeError } from '../shared/errors.js';
import { isChatGptExport, readChatGptExport } from './chatgpt.js';
import { databaseIdOf } from './export-json.js';
import { coreIsEmpty, importCoreRecords } from './import-json.js';
import { exportDocumentSchema, isExportDocument, type ParsedExportDocument } from './json-format.js';
import { readJsonTranscript, readMarkdownTranscript } from './transcript.js';

/**
 * `steward import <path>`: find the file's format, read and check all of
 * it (writing nothing), then write it in one transaction, so that a file
 * that is malformed or cut short adds nothing. Every format is idempotent:
 * the same file twice adds nothing the second time.
 *
 * Core formats: a steward export (`steward-json`), a ChatGPT export
 * (`chatgpt`) and a Markdown or JSON transcript (`transcript`), the last two
 * through the memory import API (`Memory.importConversations`). Plugins add
 * theirs (`Plugin.data.formats`: the habits plugin's `loop-db` and
 * `loop-csv`), written through the plugin's own `data.import`.
 */

/** The core's import formats. */
export const CORE_IMPORT_FORMATS = ['steward-json', 'chatgpt', 'transcript'] as const;

/** What an import needs of an open Steward. */
export interface ImportTarget {
  /** The database (one transaction around the whole import). */
  database: Database;
  /** The plugins (their formats, and their records in a steward export). */
  plugins: PluginHost;
  /** Memory (the import API for conversations). */
  memory: Memory;
  /** The conversation log. */
  conversations: ConversationStore;
}

/** What an import did. */
export interface ImportReport {
  /** The file or folder, absolute. */
  file: string;
  /** The format it was read as. */
  format: string;
  /** Records added, by kind (`messages`, `habits`, `checkIns`, ...); all 0 for a file imported before. */
  added: ImportCounts;
  /** Conversations skipped because they were imported before. */
  skipped: number;
  /** What could not be kept, one line each. */
  warnings: string[];
  /** Whether an export went into an empty database as the same database (ids kept). */
  sameDatabase?: boolean;
}

/** A read file, ready to write. */
type Parsed =
  | { kind: 'steward'; document: ParsedExportDocument }
  | { kind: 'conversations'; batch: ImportBatch }
  | { kind: 'plugin'; plugin: string; format: string; document: PluginDataDocument };

/** Parse JSON, or say where it breaks (the line and column, or that it is cut short). */
function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = describeError(error);
    const position = /at position (\d+)/.exec(message);
    if (position !== null) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      throw new DataFileError(
        file,
        `is not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')})`,
        `line ${line}, column ${column}`,
      );
    }
    if (/end of JSON input/i.test(message))
      throw new DataFileError(
        file,
        'is not valid JSON: it ends in the middle (cut short?)',
        `line ${text.split('\n').length}`,
      );
    throw new DataFileError(file, `is not valid JSON (${message})`);
  }
}

function checkExport(file: string, value: unknown): ParsedExportDocument {
  const parsed = exportDocumentSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? [])
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
  throw new DataFileError(file, issue?.message ?? 'is not a steward export', path === '' ? undefined : path);
}

/** Plugin formats that claim a path, in plugin order. */
function pluginFormatsFor(target: ImportTarget, path: string): Array<{ plugin: string; format: string }> {
  const found: Array<{ plugin: string; format: string }> = [];
  for (const { plugin } of target.plugins.active)
    for (const format of plugin.data?.formats ?? [])
      if (format.read !== undefined && format.detect?.(path) === true)
        found.push({ plugin: plugin.name, format: format.name });
  return found;
}

/**
 * Every format `steward import` reads, core and plugins.
 * @param plugins - the loaded plugins
 * @returns format names with one line each
 */
export function importFormats(plugins: PluginHost): Array<{ name: string; description: string }> {
  return [
    { name: 'steward-json', description: 'a steward export (steward export --format json)' },
    { name: 'chatgpt', description: "a ChatGPT data export's conversations.json" },
    { name: 'transcript', description: 'a Markdown or JSON transcript' },
    ...plugins.active.flatMap(({ plugin }) =>
      (plugin.data?.formats ?? [])
        .filter((format) => format.read !== undefined)
        .map((format) => ({ name: format.name, description: format.description })),
    ),
  ];
}

async function readFile(target: ImportTarget, file: string, format: string | undefined): Promise<Parsed> {
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    throw new DataFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`);
  }
  const plugins = pluginFormatsFor(target, file);
  const wanted = format ?? plugins[0]?.format;
  const pluginFormat = target.plugins.active
    .flatMap(({ plugin, context }) =>
      (plugin.data?.formats ?? []).map((candidate) => ({ plugin: plugin.name, context, candidate })),
    )
    .find((entry) => entry.candidate.name === wanted && entry.candidate.read !== undefined);
  if (pluginFormat?.candidate.read !== undefined) {
    const document = await pluginFormat.candidate.read(file, pluginFormat.context);
    return { kind: 'plugin', plugin: pluginFormat.plugin, format: pluginFormat.candidate.name, document };
  }
  if (format !== undefined && !(CORE_IMPORT_FORMATS as readonly string[]).includes(format)) {
    const names = importFormats(target.plugins)
      .map((entry) => entry.name)
      .join(', ');
    throw new UsageError(`Unknown format "${format}" (one of: ${names}).`, 'steward import <path> [--format <format>]');
  }
  if (stat.isDirectory()) throw new DataFileError(file, 'is a folder that is not a Loop CSV export (no Habits.csv)');
  const text = readFileSync(file, 'utf8');
  if (text.startsWith('SQLite format 3'))
    throw new DataFileError(
      file,
      'is an SQLite database but not a Loop backup (a steward backup is restored with "steward restore")',
    );
  const markdown = ['.md', '.markdown', '.txt'].includes(extname(file).toLowerCase());
  if (format === 'transcript' && markdown)
    return { kind: 'conversations', batch: readMarkdownTranscript(file, text, stat.mtimeMs) };
  if (format === undefined && markdown)
    return { kind: 'conversations', batch: readMarkdownTranscript(file, text, stat.mtimeMs) };
  const value = parseJsonFile(file, text);
  if (format === 'steward-json' || (format === undefined && isExportDocument(value)))
    return { kind: 'steward', document: checkExport(file, value) };
  if (format === 'chatgpt' || (format === undefined && isChatGptExport(value)))
    return { kind: 'conversations', batch: readChatGptExport(file, value) };
  return { kind: 'conversations', batch: readJsonTranscript(file, value, stat.mtimeMs) };
}

function pluginEmpty(document: unknown): boolean {
  if (typeof document !== 'object' || document === null) return true;
  return Object.values(document).every((value) => !Array.isArray(value) || value.length === 0);
}

/** Write a steward export: the core records, then each plugin's through its own import. */
function writeExport(
  target: ImportTarget,
  file: string,
  document: ParsedExportDocument,
  onProgress?: DataProgress,
): ImportReport {
  const { database, plugins } = target;
  const ownDatabase = databaseIdOf(database) === document.databaseId;
  // An empty database (no core records, no plugin records) becomes the exported one: ids are kept.
  const empty =
    coreIsEmpty(database) &&
    plugins.active.every(
      ({ plugin, context }) => plugin.data === undefined || pluginEmpty(plugin.data.export(context)),
    );
  const sameDatabase = ownDatabase || empty;
  const asSameDatabase = empty;
  const added: ImportCounts = {
    ...importCoreRecords(database, document, { asSameDatabase, ownDatabase, onProgress }),
  };
  const warnings: string[] = [];
  for (const [name, pluginDocument] of Object.entries(document.plugins)) {
    const active = plugins.find(name);
    if (active?.plugin.data === undefined) {
      warnings.push(`plugins.${name}: no plugin "${name}" here to read these records; left out.`);
      continue;
    }
    try {
      const counts = active.plugin.data.import(pluginDocument, active.context, {
        origin: `steward:${document.databaseId}`,
        sameDatabase,
      });
      for (const [kind, count] of Object.entries(counts)) added[kind] = (added[kind] ?? 0) + count;
    } catch (error) {
      if (error instanceof DataFileError)
        throw new DataFileError(
          file,
          error.problem,
          `plugins.${name}${error.location === undefined ? '' : `.${error.location}`}`,
          { cause: error },
        );
      throw error;
    }
  }
  return { file, format: 'steward-json', added, skipped: 0, warnings, sameDatabase: asSameDatabase };
}

/**
 * Import a file or folder (see the file comment).
 * @param target - the open Steward's database, plugins, memory and conversation log
 * @param path - the file or folder
 * @param options - `format` to skip detection; `onProgress` for long imports
 * @returns what was added
 * @throws DataFileError naming the file and the line or field it cannot read (nothing is written); UsageError for an unknown format
 */
export async function importPath(
  target: ImportTarget,
  path: string,
  options: { format?: string | undefined; onProgress?: DataProgress | undefined } = {},
): Promise<ImportReport> {
  const file = resolve(path);
  const parsed = await readFile(target, file, options.format);
  const write = target.database.transaction((): ImportReport => {
    if (parsed.kind === 'steward') return writeExport(target, file, parsed.document, options.onProgress);
    if (parsed.kind === 'plugin') {
      const active = target.plugins.find(parsed.plugin);
      if (active?.plugin.data === undefined) throw new Error(`plugin ${parsed.plugin} has no data import`);
      const added = active.plugin.data.import(parsed.document, active.context, {
        origin: parsed.format,
        sameDatabase: false,
        onProgress: options.onProgress,
      });
      const warnings = Array.isArray(parsed.document.warnings) ? (parsed.document.warnings as string[]) : [];
      return { file, format: parsed.format, added, skipped: 0, warnings };
    }
    try {
      const result = target.memory.importConversations(parsed.batch);
      options.onProgress?.(parsed.batch.conversations.length, parsed.batch.conversations.length);
      return {
        file,
        format: parsed.batch.source,
        added: { conversations: result.added, messages: result.messages },
        skipped: result.skipped,
        warnings:
          result.empty > 0
            ? [`${result.empty} conversation${result.empty === 1 ? '' : 's'} with no messages left out.`]
            : [],
      };
    } catch (error) {
      if (error instanceof InvalidImportError)
        throw new DataFileError(file, error.message.replace(/^import: /, ''), undefined, { cause: error });
      throw error;
    }
  });
  return write.immediate();
}
