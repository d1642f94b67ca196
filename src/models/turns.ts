import type { Database } from '../shared/database.js';
import { describeError, NoModelAvailableError, type ProviderAttempt } from '../shared/errors.js';
import type { Tier } from './providers.js';
import type { RoutedResult } from './router.js';
import type { TierDecision, TierSource } from './tiers.js';

/** How a model turn ended. */
export type TurnOutcome = 'answered' | 'failed' | 'cancelled';

/** One model turn as the router records it (table `turns`, migration 002). */
export interface TurnRecord {
  /** Row id. */
  id: number;
  /** `chat` (a message answered by the agent) or `briefing`. */
  purpose: 'chat' | 'briefing';
  /** Conversation session, for chat turns. */
  sessionId: number | null;
  /** The owner's stored message, for chat turns. */
  inboundId: number | null;
  /** The stored reply, or null. */
  replyId: number | null;
  /** `repl`, `cli` or `signal`, for chat turns. */
  channel: string | null;
  /** The tier decision. */
  decision: TierDecision;
  /** How the turn ended. */
  outcome: TurnOutcome;
  /** Provider that answered, or null. */
  provider: string | null;
  /** `local` or `cloud`, or null. */
  providerKind: 'local' | 'cloud' | null;
  /** Model name requested, or null. */
  model: string | null;
  /** Providers skipped or failed before the answer (or all of them, when nothing answered), in chain order. */
  fallbackFrom: ProviderAttempt[];
  /** One-line notices shown during the turn (a provider that failed mid-reply). */
  notices: string[];
  /** Why nothing answered, or null. */
  error: string | null;
  /** From the start of the turn to the first token of the answer that was kept, in ms; null when none streamed. */
  firstTokenMs: number | null;
  /** From the start of the turn to its end, in ms. */
  totalMs: number;
  /** Prompt tokens the answering provider reported, or null. */
  promptTokens: number | null;
  /** Completion tokens the answering provider reported, or null. */
  completionTokens: number | null;
  /** Requests sent to the answering provider (the agent's tool loop sends several). */
  modelRequests: number;
  /** ISO-8601 UTC instant the turn started. */
  startedAt: string;
}

/** A turn to store: everything but the id. */
export type NewTurn = Omit<TurnRecord, 'id'>;

/** The fields of a turn that say how it ended (see {@link answeredTurn} and {@link unansweredTurn}). */
export type TurnResult = Pick<
  NewTurn,
  | 'outcome'
  | 'provider'
  | 'providerKind'
  | 'model'
  | 'fallbackFrom'
  | 'notices'
  | 'error'
  | 'firstTokenMs'
  | 'totalMs'
  | 'promptTokens'
  | 'completionTokens'
  | 'modelRequests'
>;

/** Times of one turn, as `performance.now()` values in ms, and the notices shown. */
export interface TurnTiming {
  /** When the turn started. */
  startedMs: number;
  /** When the first token of the answer that was kept arrived, or null. */
  firstTokenMs: number | null;
  /** Notices shown during the turn. */
  notices: string[];
}

/**
 * The record of a turn the router answered: provider, fallbacks, timings
 * and the token usage its meter saw.
 * @param base - who, where and the tier decision
 * @param routed - what `ModelRouter.run` returned
 * @param timing - start, first token and notices
 */
export function answeredTurn<Base extends object>(
  base: Base,
  routed: Pick<RoutedResult<unknown>, 'provider' | 'fallbackFrom' | 'meter'>,
  timing: TurnTiming,
): Base & TurnResult {
  return {
    ...base,
    outcome: 'answered',
    provider: routed.provider.id,
    providerKind: routed.provider.kind,
    model: routed.provider.model,
    fallbackFrom: routed.fallbackFrom,
    notices: timing.notices,
    error: null,
    firstTokenMs: timing.firstTokenMs === null ? null : timing.firstTokenMs - timing.startedMs,
    totalMs: performance.now() - timing.startedMs,
    promptTokens: routed.meter.promptTokens,
    completionTokens: routed.meter.completionTokens,
    modelRequests: routed.meter.requests,
  };
}

/**
 * The record of a turn that nothing answered, or that was cancelled.
 * @param base - who, where and the tier decision
 * @param outcome - `failed` or `cancelled`
 * @param error - what the router threw (a {@link NoModelAvailableError} lists every provider tried)
 * @param timing - start and notices
 */
export function unansweredTurn<Base extends object>(
  base: Base,
  outcome: 'failed' | 'cancelled',
  error: unknown,
  timing: Omit<TurnTiming, 'firstTokenMs'>,
): Base & TurnResult {
  return {
    ...base,
    outcome,
    provider: null,
    providerKind: null,
    model: null,
    fallbackFrom: error instanceof NoModelAvailableError ? [...error.attempts] : [],
    notices: timing.notices,
    error: outcome === 'cancelled' ? null : describeError(error),
    firstTokenMs: null,
    totalMs: performance.now() - timing.startedMs,
    promptTokens: null,
    completionTokens: null,
    modelRequests: 0,
  };
}

/** Requests one provider served, from the stored turns (all processes). */
export interface ProviderUsage {
  /** Turns it answered. */
  turns: number;
  /** Model requests of those turns. */
  requests: number;
}

/** The latest failure of one provider recorded in a turn. */
export interface RecordedFailure {
  /** Short reason. */
  reason: string;
  /** ISO-8601 UTC instant of the turn. */
  at: string;
}

interface TurnRow {
  id: number;
  purpose: 'chat' | 'briefing';
  session_id: number | null;
  inbound_id: number | null;
  reply_id: number | null;
  channel: string | null;
  tier: Tier;
  tier_source: TierSource;
  tier_reason: string;
  tier_score: number | null;
  decision_ms: number;
  outcome: TurnOutcome;
  provider: string | null;
  provider_kind: 'local' | 'cloud' | null;
  model: string | null;
  fallback_from: string;
  notices: string;
  error: string | null;
  first_token_ms: number | null;
  total_ms: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  model_requests: number;
  started_at: string;
}

function parseJsonArray<T>(text: string): T[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

function toRecord(row: TurnRow): TurnRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    sessionId: row.session_id,
    inboundId: row.inbound_id,
    replyId: row.reply_id,
    channel: row.channel,
    decision: {
      tier: row.tier,
      source: row.tier_source,
      reason: row.tier_reason,
      score: row.tier_score,
      elapsedMs: row.decision_ms,
    },
    outcome: row.outcome,
    provider: row.provider,
    providerKind: row.provider_kind,
    model: row.model,
    fallbackFrom: parseJsonArray<ProviderAttempt>(row.fallback_from),
    notices: parseJsonArray<string>(row.notices),
    error: row.error,
    firstTokenMs: row.first_token_ms,
    totalMs: row.total_ms,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    modelRequests: row.model_requests,
    startedAt: row.started_at,
  };
}

/**
 * The per-turn metrics of the model router: every model turn's tier decision
 * and reason, provider, fallbacks, time to first token, total time and
 * token counts, in the `turns` table.
 */
export class TurnStore {
  readonly #database: Database;

  /** @param database - an open database with migration 002 applied */
  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Store one turn.
   * @param turn - the turn
   * @returns the stored turn with its id
   */
  record(turn: NewTurn): TurnRecord {
    const result = this.#database
      .prepare(
        `INSERT INTO turns (purpose, session_id, inbound_id, reply_id, channel, tier, tier_source, tier_reason, tier_score, decision_ms,
           outcome, provider, provider_kind, model, fallback_from, notices, error, first_token_ms, total_ms, prompt_tokens, completion_tokens,
           model_requests, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        turn.purpose,
        turn.sessionId,
        turn.inboundId,
        turn.replyId,
        turn.channel,
        turn.decision.tier,
        turn.decision.source,
        turn.decision.reason,
        turn.decision.score,
        turn.decision.elapsedMs,
        turn.outcome,
        turn.provider,
        turn.providerKind,
        turn.model,
        JSON.stringify(turn.fallbackFrom),
        JSON.stringify(turn.notices),
        turn.error,
        turn.firstTokenMs,
        turn.totalMs,
        turn.promptTokens,
        turn.completionTokens,
        turn.modelRequests,
        turn.startedAt,
      );
    return { ...turn, id: Number(result.lastInsertRowid) };
  }

  /**
   * The latest chat turn of a session, or undefined.
   * @param sessionId - the session
   */
  lastOfSession(sessionId: number): TurnRecord | undefined {
    const row = this.#database
      .prepare<[number], TurnRow>(
        "SELECT * FROM turns WHERE session_id = ? AND purpose = 'chat' ORDER BY id DESC LIMIT 1",
      )
      .get(sessionId);
    return row === undefined ? undefined : toRecord(row);
  }

  /** The latest turn of any session or purpose, or undefined. */
  last(): TurnRecord | undefined {
    const row = this.#database.prepare<[], TurnRow>('SELECT * FROM turns ORDER BY id DESC LIMIT 1').get();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Turns and requests each provider answered, by provider id. */
  usage(): Map<string, ProviderUsage> {
    const rows = this.#database
      .prepare<[], { provider: string; turns: number; requests: number }>(
        "SELECT provider, COUNT(*) AS turns, SUM(model_requests) AS requests FROM turns WHERE outcome = 'answered' AND provider IS NOT NULL GROUP BY provider",
      )
      .all();
    return new Map(rows.map((row) => [row.provider, { turns: row.turns, requests: row.requests }]));
  }

  /**
   * The latest failure of a provider recorded in any turn, or undefined.
   * @param provider - provider id
   */
  lastFailure(provider: string): RecordedFailure | undefined {
    const row = this.#database
      .prepare<[string], { reason: string; at: string }>(
        `SELECT json_extract(attempt.value, '$.reason') AS reason, turns.started_at AS at
           FROM turns, json_each(turns.fallback_from) AS attempt
          WHERE json_extract(attempt.value, '$.provider') = ?
          ORDER BY turns.id DESC LIMIT 1`,
      )
      .get(provider);
    return row === undefined || typeof row.reason !== 'string' ? undefined : row;
  }
}
