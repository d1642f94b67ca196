import { z } from 'zod';
import { renderPrompt } from '../shared/prompts.js';
import { classifyProviderError } from './classify.js';
import type { Tier } from './providers.js';
import type { ResolvedProvider } from './router.js';

/** What the router model said, parsed: a tier, or why there is none. */
export type RouterModelResult =
  { success: true; tier: Tier; elapsedMs: number } | { success: false; error: string; elapsedMs: number };

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** The longest part of a message shown to the router model, in characters. */
const MAX_INPUT_CHARS = 2000;

/**
 * Ask a small router model whether a message needs the fast or the quality
 * tier (`prompts/route-tier.md`), within a strict time budget: a
 * non-streamed completion of at most 3 tokens, cut off after `budgetMs`.
 * The answer is untrusted: it counts only when it names exactly one tier.
 * (The idea of routing with a small model is RouteLLM's.)
 *
 * @param provider - the router model's provider, with its model settled
 * @param text - the owner's message (only its first 2000 characters are sent)
 * @param options - the budget in ms, and cancellation
 * @returns the tier, or why there is none (over budget, refused, an unclear answer)
 */
export async function askRouterModel(
  provider: ResolvedProvider,
  text: string,
  options: { budgetMs: number; signal?: AbortSignal | undefined },
): Promise<RouterModelResult> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const budget = AbortSignal.timeout(options.budgetMs);
  const signal = options.signal === undefined ? budget : AbortSignal.any([budget, options.signal]);
  try {
    // Node's fetch, as for the chat requests and the health probes: no other HTTP client is loaded on a turn's way.
    const response = await fetch(`${provider.baseUrl}/chat/completions`, {
      method: 'POST',
      signal,
      headers: {
        'Content-Type': 'application/json',
        ...(provider.apiKey === undefined ? {} : { Authorization: `Bearer ${provider.apiKey}` }),
      },
      body: JSON.stringify({
        model: provider.model,
        messages: [
          { role: 'system', content: renderPrompt('route-tier') },
          { role: 'user', content: text.slice(0, MAX_INPUT_CHARS) },
        ],
        max_tokens: 3,
        temperature: 0,
        stream: false,
      }),
    });
    if (response.status < 200 || response.status >= 300)
      return { success: false, error: `HTTP ${response.status}`, elapsedMs: elapsed() };
    let data: unknown;
    try {
      data = await response.json();
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return { success: false, error: 'malformed answer', elapsedMs: elapsed() };
    }
    const parsed = completionSchema.safeParse(data);
    if (!parsed.success) return { success: false, error: 'malformed answer', elapsedMs: elapsed() };
    const answer = (parsed.data.choices[0]?.message.content ?? '').toLowerCase();
    const fast = /\bfast\b/.test(answer);
    const quality = /\bquality\b/.test(answer);
    if (fast === quality)
      return { success: false, error: `unclear answer ${JSON.stringify(answer.slice(0, 20))}`, elapsedMs: elapsed() };
    return { success: true, tier: quality ? 'quality' : 'fast', elapsedMs: elapsed() };
  } catch (error) {
    if (budget.aborted)
      return { success: false, error: `over its ${options.budgetMs} ms budget`, elapsedMs: elapsed() };
    if (options.signal?.aborted === true) throw error;
    return {
      success: false,
      error: classifyProviderError(error, provider.id, options.budgetMs, [provider.apiKey]).message,
      elapsedMs: elapsed(),
    };
  }
}
