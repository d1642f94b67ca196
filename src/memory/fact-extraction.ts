import { z } from 'zod';
import type { StewardConfig } from '../config/schema.js';
import type { ModelRouter } from '../models/router.js';
import { completeStructured } from '../models/structured.js';
import { ModelOutputError, NoModelAvailableError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { renderPrompt } from '../shared/prompts.js';
import type { ExtractionQueue } from './extraction-queue.js';
import { FACT_CATEGORIES, type FactCategory, type FactStore, type ReconcileOutcome } from './facts.js';

/** Options of {@link FactExtractor}. */
export interface FactExtractorOptions {
  /** The profile the facts are reconciled with. */
  facts: FactStore;
  /** Messages waiting for extraction. */
  queue: ExtractionQueue;
  /** The model router (the fast tier extracts). */
  router: ModelRouter;
  /** The configuration (`memory.extraction`, `memory.backgroundLocalOnly`). */
  config: StewardConfig;
  /** Logger. */
  log: Logger;
  /** Fires when steward is closing: a model call in progress is cancelled and its message given back. */
  signal: AbortSignal;
}

const extractedFactsSchema = z.object({
  facts: z
    .array(
      z.object({
        category: z.string().describe(`One of ${FACT_CATEGORIES.join(', ')}.`),
        key: z.string().trim().min(1).max(80),
        value: z.string().trim().min(1).max(300),
        confidence: z.number().min(0).max(1),
      }),
    )
    .max(12),
});

/** Junk answers about one message's facts before it is given up. */
const MAX_EXTRACTION_ATTEMPTS = 3;
/** How long a process holds a message it is extracting facts from, in ms (longer than a model request). */
const EXTRACTION_LEASE_MS = 5 * 60_000;
/** Known facts shown to the extractor, so that it reuses their keys. */
const KNOWN_FACTS = 60;
/** Structured memory work is near-deterministic. */
const STRUCTURED_TEMPERATURE = 0;

/**
 * Fact extraction: after a model turn, the fast tier reads the owner's
 * message (prompts/extract-facts.md, structured output) and each candidate
 * fact with enough confidence is reconciled with the profile as an
 * inferred fact (mem0's add/update/no-op, by {@link FactStore.reconcile}).
 */
export class FactExtractor {
  readonly #options: FactExtractorOptions;

  /**
   * @param options - the profile, the extraction queue, the router, settings, logger, the closing signal
   */
  constructor(options: FactExtractorOptions) {
    this.#options = options;
  }

  /**
   * Extract the facts of the messages due, claiming each before its model
   * call so that a REPL and a daemon never extract one twice.
   * @param limit - messages at most
   * @returns false when no model answered (the rest waits for the next pass)
   * @throws SqliteError if the database fails; a model failure other than no model or junk (the message is given back)
   */
  async extractDue(limit: number): Promise<boolean> {
    const { queue, log, signal } = this.#options;
    const due = queue.due(limit);
    for (const message of due) {
      if (signal.aborted) return true;
      if (!queue.claim(message.id, EXTRACTION_LEASE_MS)) continue;
      try {
        const outcomes = await this.extract(message.id, message.text);
        queue.done(message.id);
        if (outcomes.length > 0)
          log.info({ messageId: message.id, facts: outcomes.map((outcome) => outcome.action) }, 'facts extracted');
      } catch (error) {
        if (error instanceof NoModelAvailableError || signal.aborted) {
          queue.release(message.id);
          if (error instanceof NoModelAvailableError)
            log.info({ pending: due.length }, 'fact extraction waits: no local model answered');
          return false;
        }
        if (!(error instanceof ModelOutputError)) {
          queue.release(message.id);
          throw error;
        }
        const attempts = message.attempts + 1;
        queue.failedAttempt(message.id, attempts, MAX_EXTRACTION_ATTEMPTS);
        log.warn({ messageId: message.id, attempts, excerpt: error.excerpt }, `fact extraction: ${error.message}`);
      }
    }
    return true;
  }

  /**
   * Ask the fast tier for facts in one of the owner's messages
   * (prompts/extract-facts.md, structured output) and reconcile each with
   * the profile as an inferred fact.
   * @param messageId - the stored message
   * @param text - its text
   * @returns what was done with each fact
   * @throws NoModelAvailableError when no (local, by default) model answered
   * @throws ModelOutputError when the model answered with junk
   */
  async extract(messageId: number, text: string): Promise<ReconcileOutcome[]> {
    const { facts, router, config, log, signal } = this.#options;
    const known = facts
      .current()
      .slice(0, KNOWN_FACTS)
      .map((fact) => `- ${fact.key}: ${fact.value}`);
    const result = await completeStructured(
      router,
      'fast',
      [
        {
          role: 'system',
          content: renderPrompt('extract-facts', { known: known.length === 0 ? '(none yet)' : known.join('\n') }),
        },
        { role: 'user', content: text },
      ],
      extractedFactsSchema,
      {
        name: 'extracted_facts',
        temperature: STRUCTURED_TEMPERATURE,
        localOnly: config.memory.backgroundLocalOnly,
        signal,
        log,
      },
    );
    const outcomes: ReconcileOutcome[] = [];
    for (const candidate of result.parsed.facts) {
      if (candidate.confidence < config.memory.extraction.minConfidence) continue;
      const category = (FACT_CATEGORIES as readonly string[]).includes(candidate.category.toLowerCase())
        ? (candidate.category.toLowerCase() as FactCategory)
        : 'other';
      outcomes.push(
        facts.reconcile({
          category,
          key: candidate.key,
          value: candidate.value,
          confidence: candidate.confidence,
          source: 'inferred',
          messageId,
        }),
      );
    }
    return outcomes;
  }
}
