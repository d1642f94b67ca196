import type { Statement } from 'better-sqlite3';
import type { Database } from '../shared/database.js';

const cache = new WeakMap<Database, Map<string, Statement>>();

/**
 * A prepared statement, prepared once per connection: recall runs the
 * same few queries on every turn, and preparing them each time cost more
 * than running them (about 30 µs each).
 * @param database - the connection
 * @param sql - the SQL
 * @returns the statement (shared: bind its parameters in the call)
 * @throws SqliteError when the SQL does not compile
 */
export function statement<Parameters extends unknown[] = unknown[], Row = unknown>(
  database: Database,
  sql: string,
): Statement<Parameters, Row> {
  let statements = cache.get(database);
  if (statements === undefined) {
    statements = new Map();
    cache.set(database, statements);
  }
  let prepared = statements.get(sql);
  if (prepared === undefined) {
    prepared = database.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared as unknown as Statement<Parameters, Row>;
}
