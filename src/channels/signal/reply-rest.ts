import { toTimestamp, type Database } from '../../shared/database.js';
import type { Clock } from '../../shared/time.js';

/**
 * The part of a long Signal reply that was not sent (see `capParts`), per
 * recipient, until the owner answers "more" (table `reply_rest`). A new
 * long reply to the same recipient replaces it.
 */
export class ReplyRest {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - the migrated database
   * @param clock - source of time
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * Keep the rest of a reply for a recipient (an empty rest forgets it).
   * @param recipient - the E.164 number, UUID or group address the reply went to
   * @param text - what was not sent
   */
  keep(recipient: string, text: string): void {
    if (text === '') {
      this.#database.prepare('DELETE FROM reply_rest WHERE recipient = ?').run(recipient);
      return;
    }
    this.#database
      .prepare(
        'INSERT INTO reply_rest (recipient, text, created_at) VALUES (?, ?, ?) ON CONFLICT (recipient) DO UPDATE SET text = excluded.text, created_at = excluded.created_at',
      )
      .run(recipient, text, toTimestamp(this.#clock.now()));
  }

  /**
   * The rest kept for a recipient, if any.
   * @param recipient - the address
   * @returns the text, or undefined
   */
  of(recipient: string): string | undefined {
    return this.#database
      .prepare<[string], { text: string }>('SELECT text FROM reply_rest WHERE recipient = ?')
      .get(recipient)?.text;
  }
}
