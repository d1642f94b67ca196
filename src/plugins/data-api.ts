/**
 * The data part of the plugin API: how a plugin's own records leave
 * steward (`steward export`) and come back in (`steward import`), and the
 * other file formats a plugin reads or writes (the habits plugin: Loop
 * Habit Tracker backups and CSV exports). Plugins import these types from
 * `src/plugins/api.ts`, which re-exports this file.
 *
 * The core never reads or writes a plugin's tables: it asks the plugin for
 * a document (`export`), hands documents back (`import`), and runs every
 * import inside one transaction of its own, so that a file that fails half
 * way adds nothing.
 */

/**
 * A plugin's data as one JSON value: a `version` (of the plugin's document
 * format) and whatever fields the plugin documents (docs/data.md).
 */
export interface PluginDataDocument {
  /** Version of the document's format, from 1. */
  version: number;
  /** The plugin's records. */
  [field: string]: unknown;
}

/** What an import added or changed, by kind of record, for example `{ habits: 2, checkIns: 130, skips: 4 }`. */
export type ImportCounts = Record<string, number>;

/** Called as a long import or export goes on: `done` of `total` items. */
export type DataProgress = (done: number, total: number) => void;

/** Options of {@link PluginData.import}. */
export interface PluginImportOptions {
  /**
   * Where the document came from, stable across runs: `steward:<database id>`
   * for a steward export, or the name of the file format. A plugin keys the
   * records it creates by it (with the record's own key), so that the same
   * file imported twice adds nothing the second time.
   */
  origin: string;
  /** Whether the document was exported from this very database (its records with local ids are the ones here). */
  sameDatabase: boolean;
  /** Progress, for long imports. */
  onProgress?: DataProgress | undefined;
}

/**
 * A file format a plugin reads or writes besides its own JSON document,
 * for example Loop Habit Tracker's backup (`loop-db`) and CSV export
 * (`loop-csv`).
 */
export interface PluginFileFormat<Context> {
  /** Id on the command line (`steward import --format loop-db`, `steward export --format loop-csv`). */
  name: string;
  /** One line: what the format is. */
  description: string;
  /**
   * Whether `path` (a file or a folder) is in this format: a cheap look at
   * its name, its first bytes or its header line.
   */
  detect?: (path: string) => boolean;
  /**
   * Read `path` into a document of the plugin's own format (the one
   * {@link PluginData.import} takes). It only reads.
   * @throws DataFileError naming the file and the line or field it cannot read
   */
  read?: (path: string, context: Context) => PluginDataDocument | Promise<PluginDataDocument>;
  /**
   * Write the plugin's records in this format into the folder `directory`
   * (created if needed).
   * @returns the paths of the files written
   */
  write?: (directory: string, context: Context) => string[] | Promise<string[]>;
}

/**
 * A plugin's export and import (the plugin's `data` field). The core puts
 * the result of {@link export} under `plugins.<name>` in `steward export
 * --format json`, and hands that part back to {@link import}.
 */
export interface PluginData<Context> {
  /** Version of the document {@link export} writes; {@link import} reads it and every older one. */
  version: number;
  /**
   * Every record of the plugin, as one JSON-serialisable document.
   * @returns the document, with `version`
   */
  export: (context: Context) => PluginDataDocument;
  /**
   * Write a document's records into the plugin's tables. Synchronous: the
   * core calls it inside its one transaction for the whole import (the
   * store's own transactions nest as savepoints). Idempotent: a record that
   * is already there (by its key, see {@link PluginImportOptions.origin})
   * is not added again.
   * @param document - a document of this plugin's format (from a file: check every field)
   * @returns what was added or changed, by kind
   * @throws DataFileError for a document it cannot read, naming the field (`habits[3].frequency.den`), before anything is written
   */
  import: (document: unknown, context: Context, options: PluginImportOptions) => ImportCounts;
  /** Other formats the plugin reads or writes. */
  formats?: ReadonlyArray<PluginFileFormat<Context>>;
}
