import { resolveByName } from '../shared/resolve.js';
import type { Clock } from '../shared/time.js';
import { toTimestamp, type Database } from '../shared/database.js';

/** The categories of the semantic profile. */
export const FACT_CATEGORIES = ['preference', 'habit', 'goal', 'relationship', 'schedule', 'other'] as const;

/** One category of {@link FACT_CATEGORIES}. */
export type FactCategory = (typeof FACT_CATEGORIES)[number];

/** `explicit`: the owner said "remember ..."; `inferred`: the model pulled it out of a conversation. */
export type FactSource = 'explicit' | 'inferred';

/** A fact about the owner, current or historical. */
export interface Fact {
  /** Row id. */
  id: number;
  /** Category. */
  category: FactCategory;
  /** Normalised key, for example `coffee order`. */
  key: string;
  /** Value, for example `oat flat white`. */
  value: string;
  /** Confidence 0–1 (explicit facts are 1). */
  confidence: number;
  /** explicit or inferred. */
  source: FactSource;
  /** Message it came from, when known. */
  messageId: number | null;
  /** ISO instant it became the current value. */
  validFrom: string;
  /** ISO instant it stopped being current (superseded or forgotten); null while current. */
  validTo: string | null;
  /** The fact that replaced it. */
  supersededBy: number | null;
  /** ISO instant of "forget". */
  retiredAt: string | null;
}

/** A fact to reconcile with the profile. */
export interface FactCandidate {
  /** Category. */
  category: FactCategory;
  /** Key (normalised here). */
  key: string;
  /** Value. */
  value: string;
  /** Confidence 0–1. */
  confidence: number;
  /** explicit or inferred. */
  source: FactSource;
  /** Message it came from. */
  messageId?: number | null | undefined;
}

/** What {@link FactStore.reconcile} did with a candidate. */
export type ReconcileOutcome =
  /** New key: stored. */
  | { action: 'created'; fact: Fact }
  /** Same value as the current fact: its confidence went up (from `previousConfidence`). */
  | { action: 'confirmed'; fact: Fact; previousConfidence: number }
  /** A different value with equal or higher confidence: the new fact replaced `old`, which keeps its history. */
  | { action: 'superseded'; fact: Fact; old: Fact }
  /** A different value with lower confidence than the current fact: not stored (recorded in the audit). */
  | { action: 'rejected'; current: Fact };

/** One line of a fact's audit trail. */
export interface FactAuditEntry {
  /** Fact it is about. */
  factId: number;
  /** created, confirmed, superseded, rejected, forgotten. */
  action: string;
  /** One line of detail. */
  detail: string;
  /** ISO instant. */
  at: string;
}

interface FactRow {
  id: number;
  category: FactCategory;
  key: string;
  value: string;
  confidence: number;
  source: FactSource;
  message_id: number | null;
  valid_from: string;
  valid_to: string | null;
  superseded_by: number | null;
  retired_at: string | null;
}

function toFact(row: FactRow): Fact {
  return {
    id: row.id,
    category: row.category,
    key: row.key,
    value: row.value,
    confidence: row.confidence,
    source: row.source,
    messageId: row.message_id,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    supersededBy: row.superseded_by,
    retiredAt: row.retired_at,
  };
}

/**
 * A fact as one line: `key: value`, or the value alone for a note (a
 * fact whose key was made from its first words, `note: ...`).
 * @param fact - the fact
 */
export function factText(fact: Pick<Fact, 'key' | 'value'>): string {
  return fact.key.startsWith('note: ') ? fact.value : `${fact.key}: ${fact.value}`;
}

/**
 * A fact key as stored: lower case, single spaces, no surrounding
 * punctuation; "Coffee_Order" and "coffee order." are one key.
 * @param key - the key as given
 */
export function normaliseKey(key: string): string {
  return key
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .replace(/^[\s"'.,:;!?-]+|[\s"'.,:;!?-]+$/g, '')
    .trim();
}

function sameValue(left: string, right: string): boolean {
  const flatten = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[\s"'.,;!?]+/g, ' ')
      .trim();
  return flatten(left) === flatten(right);
}

/** Confidence after a confirmation: the noisy-OR of the two, 1 − (1 − a)(1 − b). */
function combined(left: number, right: number): number {
  return Math.min(1, 1 - (1 - left) * (1 - right));
}

/**
 * The semantic profile: facts about the owner with a dated history.
 * Reconciliation follows mem0's add/update/no-op decision, done by rules
 * on the fact key instead of a second model call: the same value raises
 * the confidence; a different value with equal or higher confidence
 * supersedes the current fact (which gets `valid_to` and `superseded_by`);
 * a weaker contradiction is rejected. Nothing is ever deleted, and every
 * change has an audit row.
 */
export class FactStore {
  readonly #database: Database;
  readonly #clock: Clock;

  /**
   * @param database - an open, migrated database
   * @param clock - for the validity dates
   */
  constructor(database: Database, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  #audit(
    factId: number,
    action: FactAuditEntry['action'],
    detail: string,
    messageId: number | null | undefined,
    at: string,
  ): void {
    this.#database
      .prepare('INSERT INTO fact_audit (fact_id, action, detail, message_id, at) VALUES (?, ?, ?, ?, ?)')
      .run(factId, action, detail, messageId ?? null, at);
  }

  #get(id: number): Fact {
    const row = this.#database.prepare<[number], FactRow>('SELECT * FROM facts WHERE id = ?').get(id);
    if (row === undefined) throw new Error(`fact ${id} does not exist`);
    return toFact(row);
  }

  #insert(candidate: FactCandidate, key: string, at: string): Fact {
    const result = this.#database
      .prepare(
        'INSERT INTO facts (category, key, value, confidence, source, message_id, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        candidate.category,
        key,
        candidate.value.trim(),
        candidate.confidence,
        candidate.source,
        candidate.messageId ?? null,
        at,
        at,
        at,
      );
    return this.#get(Number(result.lastInsertRowid));
  }

  /**
   * Reconcile a candidate with the current fact of the same key, in one transaction.
   * @param candidate - the fact
   * @returns what was done
   * @throws RangeError for an empty key or value, or a confidence outside 0–1
   */
  reconcile(candidate: FactCandidate): ReconcileOutcome {
    const key = normaliseKey(candidate.key);
    if (key === '' || candidate.value.trim() === '') throw new RangeError('a fact needs a key and a value');
    if (!(candidate.confidence >= 0 && candidate.confidence <= 1))
      throw new RangeError(`confidence must be 0-1, got ${candidate.confidence}`);
    // IMMEDIATE: the read and the write are one step, even with another process writing the profile.
    return this.#database
      .transaction((): ReconcileOutcome => {
        const at = toTimestamp(this.#clock.now());
        const current = this.currentByKey(key);
        if (current === undefined) {
          const fact = this.#insert(candidate, key, at);
          this.#audit(
            fact.id,
            'created',
            `${candidate.source}, confidence ${candidate.confidence.toFixed(2)}`,
            candidate.messageId,
            at,
          );
          return { action: 'created', fact };
        }
        if (sameValue(current.value, candidate.value)) {
          const confidence = candidate.source === 'explicit' ? 1 : combined(current.confidence, candidate.confidence);
          const source: FactSource = candidate.source === 'explicit' ? 'explicit' : current.source;
          this.#database
            .prepare('UPDATE facts SET confidence = ?, source = ?, updated_at = ? WHERE id = ?')
            .run(confidence, source, at, current.id);
          this.#audit(
            current.id,
            'confirmed',
            `confidence ${current.confidence.toFixed(2)} → ${confidence.toFixed(2)} (${candidate.source})`,
            candidate.messageId,
            at,
          );
          return { action: 'confirmed', fact: this.#get(current.id), previousConfidence: current.confidence };
        }
        if (candidate.confidence >= current.confidence) {
          // The old fact stops being current first: one current fact per key (a unique index).
          this.#database.prepare('UPDATE facts SET valid_to = ?, updated_at = ? WHERE id = ?').run(at, at, current.id);
          const fact = this.#insert(candidate, key, at);
          this.#database.prepare('UPDATE facts SET superseded_by = ? WHERE id = ?').run(fact.id, current.id);
          this.#audit(
            current.id,
            'superseded',
            `"${current.value}" → "${fact.value}" (#${fact.id}, ${candidate.source}, confidence ${candidate.confidence.toFixed(2)})`,
            candidate.messageId,
            at,
          );
          this.#audit(
            fact.id,
            'created',
            `${candidate.source}, confidence ${candidate.confidence.toFixed(2)}; replaces #${current.id}`,
            candidate.messageId,
            at,
          );
          return { action: 'superseded', fact, old: this.#get(current.id) };
        }
        this.#audit(
          current.id,
          'rejected',
          `"${candidate.value}" (${candidate.source}, confidence ${candidate.confidence.toFixed(2)}) is weaker than the current ${current.confidence.toFixed(2)}`,
          candidate.messageId,
          at,
        );
        return { action: 'rejected', current };
      })
      .immediate();
  }

  /**
   * The current fact of a key.
   * @param key - the key (normalised here)
   */
  currentByKey(key: string): Fact | undefined {
    const row = this.#database
      .prepare<[string], FactRow>('SELECT * FROM facts WHERE key = ? AND valid_to IS NULL ORDER BY id DESC LIMIT 1')
      .get(normaliseKey(key));
    return row === undefined ? undefined : toFact(row);
  }

  /**
   * Every current fact, by category then key.
   * @param minConfidence - leave out facts below this confidence (0–1)
   */
  current(minConfidence = 0): Fact[] {
    return this.#database
      .prepare<[number], FactRow>(
        'SELECT * FROM facts WHERE valid_to IS NULL AND confidence >= ? ORDER BY category, key',
      )
      .all(minConfidence)
      .map(toFact);
  }

  /**
   * Every value a key has had, oldest first (current, superseded and forgotten).
   * @param key - the key (normalised here)
   */
  history(key: string): Fact[] {
    return this.#database
      .prepare<[string], FactRow>('SELECT * FROM facts WHERE key = ? ORDER BY valid_from, id')
      .all(normaliseKey(key))
      .map(toFact);
  }

  /**
   * The audit trail of some facts, oldest first.
   * @param factIds - the facts
   */
  audit(factIds: readonly number[]): FactAuditEntry[] {
    return this.#database
      .prepare<[string], { fact_id: number; action: string; detail: string; at: string }>(
        'SELECT fact_id, action, detail, at FROM fact_audit WHERE fact_id IN (SELECT value FROM json_each(?)) ORDER BY id',
      )
      .all(JSON.stringify(factIds))
      .map((row) => ({ factId: row.fact_id, action: row.action, detail: row.detail, at: row.at }));
  }

  /**
   * The one current fact the owner means: `#id`, the key, a distinctive
   * word of the key, or (failing that) a distinctive word of the value.
   * @param query - what the owner typed
   * @returns the fact
   * @throws NotFoundError with the closest keys; AmbiguousReferenceError listing the candidates
   */
  resolve(query: string): Fact {
    const facts = this.current();
    const byKey = facts.map((fact) => ({ id: fact.id, name: fact.key, fact }));
    try {
      return resolveByName('fact', query, byKey).fact;
    } catch (error) {
      const wanted = query.toLowerCase().trim();
      const byValue = facts.filter(
        (fact) => ` ${fact.key}: ${fact.value} `.toLowerCase().includes(wanted) && wanted.length >= 3,
      );
      if (byValue.length === 1) return byValue[0] as Fact;
      throw error;
    }
  }

  /**
   * Retire a fact softly ("forget"): it stops being current and is never
   * recalled again, but its row and history stay, with an audit record.
   * @param id - the fact
   * @param reason - why, for the audit
   * @param messageId - the message that asked
   * @returns the retired fact (unchanged, with no audit row, when it was no longer current)
   * @throws Error when the fact does not exist
   */
  forget(id: number, reason: string, messageId?: number | null): Fact {
    return this.#database
      .transaction(() => {
        const at = toTimestamp(this.#clock.now());
        const changed = this.#database
          .prepare('UPDATE facts SET valid_to = ?, retired_at = ?, updated_at = ? WHERE id = ? AND valid_to IS NULL')
          .run(at, at, at, id).changes;
        if (changed === 1) this.#audit(id, 'forgotten', reason, messageId, at);
        return this.#get(id);
      })
      .immediate();
  }

  /** How many facts are current (for `steward memory`). */
  count(): number {
    return (
      this.#database.prepare<[], { count: number }>('SELECT count(*) AS count FROM facts WHERE valid_to IS NULL').get()
        ?.count ?? 0
    );
  }

  /**
   * The source and confidence of some facts (recall weights facts by them).
   * @param factIds - fact ids
   * @returns each fact that exists, current or not
   */
  provenance(factIds: readonly number[]): Map<number, Pick<Fact, 'source' | 'confidence'>> {
    const found = new Map<number, Pick<Fact, 'source' | 'confidence'>>();
    if (factIds.length === 0) return found;
    const rows = this.#database
      .prepare<[string], { id: number; source: FactSource; confidence: number }>(
        'SELECT id, source, confidence FROM facts WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(JSON.stringify(factIds));
    for (const row of rows) found.set(row.id, { source: row.source, confidence: row.confidence });
    return found;
  }
}
