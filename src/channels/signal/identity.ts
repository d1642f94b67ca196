import { toTimestamp, type Database } from '../../shared/database.js';
import type { Clock } from '../../shared/time.js';
import type { SignalIdentity } from './envelope.js';

/**
 * Who may talk to steward on Signal, decided on one identity: the one the
 * reply goes to. A Signal envelope names its sender twice, by number
 * (`sourceNumber`, null when the sender hides it) and by UUID (`sourceUuid`);
 * the reply goes to the number when there is one, else to the UUID, and a
 * message is let in only when that identity is on the allowlist
 * (`signal.to`, `signal.allowFrom`), or is the UUID known to belong to an
 * allowlisted number. Letting a message in on either identifier once sent
 * the owner's profile to a stranger whose envelope carried the owner's UUID
 * (issue 10, item 1).
 *
 * What is known of each allowlisted contact is the number and UUID first
 * seen together (trust on first use, as SSH's known_hosts; table
 * `signal_identities`). An envelope whose number and UUID disagree with it,
 * the allowlisted number with another UUID or the allowlisted contact's
 * UUID with another number, is dropped and logged as a warning. To accept a
 * new pairing (the owner changed Signal accounts), put the new UUID in
 * `signal.allowFrom`: an identifier listed there is never in dispute.
 */

/** The verdict on one sender. */
export type IdentityVerdict =
  /** Let in: reply to `replyTo`, the identity that was checked. */
  | { admitted: true; replyTo: string }
  /**
   * Dropped: `reason` says why; `spoofed` when the envelope mixes an
   * allowlisted contact's identifier with another (logged as a warning).
   */
  | { admitted: false; reason: string; spoofed: boolean };

/** The allowlist and the known pairings of number and UUID. */
export class SignalIdentities {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #allowed: ReadonlySet<string>;

  /**
   * @param database - the migrated database (`signal_identities`)
   * @param clock - source of time for the pairing's first and last sighting
   * @param allowlist - `signal.to` and `signal.allowFrom`: E.164 numbers and UUIDs
   */
  constructor(database: Database, clock: Clock, allowlist: readonly string[]) {
    this.#database = database;
    this.#clock = clock;
    this.#allowed = new Set(allowlist.map((address) => address.toLowerCase()));
  }

  /**
   * Decide on a sender, and remember the pairing of an admitted one.
   * @param identity - the number and UUID of the envelope
   * @returns admitted with the address to reply to, or dropped with the reason
   */
  check(identity: SignalIdentity): IdentityVerdict {
    const { number, uuid } = identity;
    const pinnedUuid = number === null ? undefined : this.#uuidOf(number);
    const pinnedNumber = uuid === null ? undefined : this.#numberOf(uuid);
    if (number !== null) {
      if (!this.#allowed.has(number)) {
        const owners = uuid !== null && (this.#allowed.has(uuid) || pinnedNumber !== undefined);
        return owners
          ? {
              admitted: false,
              reason: `the number ${number} is not on the allowlist, but the UUID ${uuid} is an allowlisted contact's: a spoofed sender`,
              spoofed: true,
            }
          : {
              admitted: false,
              reason: 'the sender is not on the allowlist (signal.to, signal.allowFrom)',
              spoofed: false,
            };
      }
      if (uuid !== null && !this.#allowed.has(uuid)) {
        if (pinnedUuid !== undefined && pinnedUuid !== uuid)
          return {
            admitted: false,
            reason: `${number} came with the UUID ${uuid}, but its UUID is ${pinnedUuid} (put the new UUID in signal.allowFrom if you changed accounts)`,
            spoofed: true,
          };
        if (pinnedNumber !== undefined && pinnedNumber !== number)
          return {
            admitted: false,
            reason: `the UUID ${uuid} belongs to ${pinnedNumber}, not ${number}`,
            spoofed: true,
          };
      }
      if (uuid !== null) this.#pin(number, uuid);
      return { admitted: true, replyTo: number };
    }
    if (uuid === null) return { admitted: false, reason: 'the envelope names no sender', spoofed: false };
    if (this.#allowed.has(uuid) || (pinnedNumber !== undefined && this.#allowed.has(pinnedNumber)))
      return { admitted: true, replyTo: uuid };
    return {
      admitted: false,
      reason: 'the sender (a UUID with a hidden number) is not on the allowlist (signal.to, signal.allowFrom)',
      spoofed: false,
    };
  }

  /**
   * The pairings known, for `steward doctor`.
   * @returns number, UUID and when they were first and last seen together
   */
  known(): Array<{ number: string; uuid: string; firstSeen: string; lastSeen: string }> {
    return this.#database
      .prepare<[], { number: string; uuid: string; firstSeen: string; lastSeen: string }>(
        'SELECT number, uuid, first_seen AS firstSeen, last_seen AS lastSeen FROM signal_identities ORDER BY number',
      )
      .all();
  }

  #uuidOf(number: string): string | undefined {
    return this.#database
      .prepare<[string], { uuid: string }>('SELECT uuid FROM signal_identities WHERE number = ?')
      .get(number)?.uuid;
  }

  #numberOf(uuid: string): string | undefined {
    return this.#database
      .prepare<[string], { number: string }>('SELECT number FROM signal_identities WHERE uuid = ?')
      .get(uuid)?.number;
  }

  /** Remember (or renew) that `number` and `uuid` are one contact; a UUID listed in signal.allowFrom replaces an old pairing. */
  #pin(number: string, uuid: string): void {
    const now = toTimestamp(this.#clock.now());
    this.#database
      .transaction(() => {
        this.#database
          .prepare('DELETE FROM signal_identities WHERE (number = ? AND uuid != ?) OR (uuid = ? AND number != ?)')
          .run(number, uuid, uuid, number);
        this.#database
          .prepare(
            'INSERT INTO signal_identities (number, uuid, first_seen, last_seen) VALUES (?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET last_seen = excluded.last_seen',
          )
          .run(number, uuid, now, now);
      })
      .immediate();
  }
}
