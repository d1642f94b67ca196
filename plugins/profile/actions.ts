import {
  FACT_CATEGORIES,
  factText,
  truncate,
  type Fact,
  type FactAuditEntry,
  type FactCategory,
  type PluginContext,
  type RecallHit,
  type ReconcileOutcome,
} from '../../src/plugins/api.js';
import { NotFoundError, UsageError } from '../../src/shared/errors.js';
import { refuseTooLong } from '../../src/shared/limits.js';
import { parseStatedFact, USAGE, type StatedFact } from './parse.js';

function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * The reply to storing a fact.
 * @param outcome - what reconciliation did
 */
export function describeOutcome(outcome: ReconcileOutcome): string {
  switch (outcome.action) {
    case 'created':
      return `Remembered (${outcome.fact.category}): ${factText(outcome.fact)}.`;
    case 'confirmed':
      return `I already knew that: ${outcome.fact.key}: ${outcome.fact.value} (confidence ${Math.round(outcome.previousConfidence * 100)}% → ${Math.round(outcome.fact.confidence * 100)}%).`;
    case 'superseded':
      return `Updated ${outcome.fact.key}: ${outcome.fact.value} (was "${outcome.old.value}" since ${day(outcome.old.validFrom)}; "profile ${outcome.fact.key}" shows the history).`;
    case 'rejected':
      return `Kept ${outcome.current.key}: ${outcome.current.value}; the new value was less certain.`;
  }
}

/**
 * Store an explicit fact (confidence 1) from the owner's own words.
 * @param context - the plugin context
 * @param stated - the fact
 * @returns the reply
 */
export function rememberFact(context: PluginContext, stated: StatedFact): string {
  const outcome = context.services.memory.facts.reconcile({ ...stated, confidence: 1, source: 'explicit' });
  return describeOutcome(outcome);
}

/**
 * `remember <fact>`. A question ("remember when we talked about ...?") is
 * answered by recall instead of being stored.
 * @param context - the plugin context
 * @param text - what follows "remember"
 * @returns the reply
 * @throws UsageError when there is nothing to remember
 */
export async function rememberCommand(context: PluginContext, text: string): Promise<string> {
  refuseTooLong(text.trim(), context.limits.fact, 'fact', 'limits.fact');
  if (text.trim().endsWith('?')) return recallCommand(context, text.replace(/^(when|what|how|that|the time)\s+/i, ''));
  const reply = rememberFact(context, parseStatedFact(text));
  // "remember to call mum" asks for a reminder, which notes do not have: say so rather than imply one.
  if (/^to\s/i.test(text.trim()))
    return `${reply} It is kept in your profile, but steward will not remind you of it at a time (habits have reminders: "add habit <name> daily at 18:00").`;
  return reply;
}

/**
 * `forget <fact>`: retire the one current fact the owner means.
 * @param context - the plugin context
 * @param query - key, a word of it or of the value, or #id
 * @returns the reply
 * @throws NotFoundError or AmbiguousReferenceError (nothing is changed)
 */
export function forgetCommand(context: PluginContext, query: string): string {
  refuseTooLong(query.trim(), context.limits.fact, 'fact', 'limits.fact');
  const facts = context.services.memory.facts;
  const fact = facts.resolve(query.trim());
  facts.forget(fact);
  return `Forgot ${factText(fact)}. It will not be used again; "profile ${fact.key}" still shows its history.`;
}

function factLine(fact: Fact): string {
  const confidence = fact.source === 'explicit' ? 'explicit' : `inferred, ${Math.round(fact.confidence * 100)}%`;
  return `  ${factText(fact)}  (${confidence}, since ${day(fact.validFrom)}, #${fact.id})`;
}

/**
 * `profile`: every current fact by category, with source and date; or,
 * with a key, that key's dated history and audit trail.
 * @param context - the plugin context
 * @param key - empty for the whole profile
 * @returns the reply
 * @throws NotFoundError when the key has no history
 */
export function profileCommand(context: PluginContext, key: string): string {
  const facts = context.services.memory.facts;
  if (key.trim() === '') {
    const current = facts.current();
    if (current.length === 0)
      return 'Your profile is empty. Tell me with "remember my coffee order is oat flat white", or just talk: facts you mention are picked up.';
    const lines: string[] = [];
    for (const category of FACT_CATEGORIES) {
      const inCategory = current.filter((fact) => fact.category === category);
      if (inCategory.length === 0) continue;
      lines.push(`${category}:`, ...inCategory.map(factLine));
    }
    return lines.join('\n');
  }
  refuseTooLong(key.trim(), context.limits.fact, 'fact key', 'limits.fact');
  let history = facts.history(key);
  if (history.length === 0) {
    const fact = facts.resolve(key);
    history = facts.history(fact.key);
  }
  if (history.length === 0) throw new NotFoundError('fact', key, []);
  const audit = facts.audit(history.map((fact) => fact.id));
  const lines = [`${history[0]?.key ?? key}:`];
  for (const fact of history) {
    const until =
      fact.retiredAt !== null
        ? `forgotten ${day(fact.retiredAt)}`
        : fact.validTo !== null
          ? `until ${day(fact.validTo)}`
          : 'current';
    lines.push(
      `  ${day(fact.validFrom)}  ${fact.value}  (${fact.source}, ${Math.round(fact.confidence * 100)}%, ${until})`,
    );
  }
  if (audit.length > 0)
    lines.push(
      'history:',
      ...audit.map(
        (entry) => `  ${entry.at.slice(0, 16).replace('T', ' ')}  #${entry.factId} ${entry.action}: ${entry.detail}`,
      ),
    );
  return lines.join('\n');
}

/**
 * `profile [<key>]` as data, for `steward run --json "profile"` (shapes in docs/data.md).
 * @param context - the profile plugin's context
 * @param key - empty for every current fact, or a key (a word of it, or `#id`) for its dated history
 * @returns `{ facts }` (current facts, by category then key), or `{ key, history, audit }` for one key
 * @throws NotFoundError or AmbiguousReferenceError when the key names no fact
 */
export function profileData(
  context: PluginContext,
  key: string,
): { facts: Fact[] } | { key: string; history: Fact[]; audit: FactAuditEntry[] } {
  const facts = context.services.memory.facts;
  if (key.trim() === '') return { facts: facts.current() };
  let history = facts.history(key);
  if (history.length === 0) history = facts.history(facts.resolve(key).key);
  if (history.length === 0) throw new NotFoundError('fact', key, []);
  return { key: history[0]?.key ?? key, history, audit: facts.audit(history.map((fact) => fact.id)) };
}

const KIND = { message: 'message', episode: 'conversation', fact: 'fact' } as const;

/**
 * One recall hit as a line and its reasons.
 * @param hit - the hit
 * @param rank - its place, from 1
 */
export function formatHit(hit: RecallHit, rank: number): string {
  return `${rank}. [${KIND[hit.ref.type]} #${hit.ref.id}, ${day(hit.at)}] ${truncate(hit.text, 160)}\n   why: ${hit.why}`;
}

/**
 * `recall <query>`: hybrid recall with the reasons of each hit.
 * @param context - the plugin context
 * @param query - what to look for
 * @returns the reply
 * @throws UsageError for an empty query
 */
export async function recallCommand(context: PluginContext, query: string): Promise<string> {
  const text = query.trim().replace(/\?+$/, '');
  if (text === '') throw new UsageError('Say what to look for.', USAGE.recall);
  const result = await context.services.memory.recall(text);
  const vector = result.vector === 'used' ? '' : ` (BM25 only: ${result.vector})`;
  if (result.hits.length === 0) return `Nothing in memory matches "${text}"${vector}.`;
  return [
    `${result.hits.length} memor${result.hits.length === 1 ? 'y' : 'ies'} for "${text}" in ${Math.round(result.elapsedMs)} ms${vector}:`,
    ...result.hits.map((hit, index) => formatHit(hit, index + 1)),
  ].join('\n');
}

/**
 * Normalise a category name from a tool call.
 * @param value - what the model sent
 */
export function toCategory(value: string | undefined): FactCategory | undefined {
  const wanted = (value ?? '').toLowerCase().trim();
  return (FACT_CATEGORIES as readonly string[]).includes(wanted) ? (wanted as FactCategory) : undefined;
}
