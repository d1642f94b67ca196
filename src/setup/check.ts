import { isRecord, request } from './http-get.js';
import type { ModelChoice } from './propose.js';

/**
 * The one request `steward init` sends to check each choice: a one-token
 * chat completion for a tier, a one-text embedding for the embedder. The
 * first request to a model may load it, so the timeout is long.
 */

/** What a check found. */
export type CheckResult = { ok: true; detail: string; ms: number } | { ok: false; reason: string; ms: number };

/**
 * Ask a chat model for one token.
 * @param choice - base URL and model (null: the server's own)
 * @param options - timeout in ms, and the server's key if it needs one
 * @returns ok with the time it took, or why it failed
 */
export async function checkChat(
  choice: ModelChoice,
  options: { timeoutMs: number; apiKey?: string | null },
): Promise<CheckResult> {
  const body: Record<string, unknown> = {
    messages: [{ role: 'user', content: 'Reply with OK.' }],
    max_tokens: 1,
    stream: false,
  };
  if (choice.model !== null) body.model = choice.model;
  const answer = await request(`${choice.baseUrl}/chat/completions`, { method: 'POST', body, ...options });
  if (!answer.ok) return { ok: false, reason: answer.reason, ms: answer.ms };
  const choices = isRecord(answer.data) ? answer.data.choices : undefined;
  if (!Array.isArray(choices) || choices.length === 0)
    return { ok: false, reason: 'the answer has no choices: not a chat completion', ms: answer.ms };
  return { ok: true, detail: `answered in ${answer.ms} ms`, ms: answer.ms };
}

/**
 * Embed one text.
 * @param choice - base URL and model
 * @param options - timeout in ms, and the server's key if it needs one
 * @returns ok with the vector's dimensions, or why it failed
 */
export async function checkEmbeddings(
  choice: ModelChoice,
  options: { timeoutMs: number; apiKey?: string | null },
): Promise<CheckResult> {
  const body: Record<string, unknown> = { input: ['steward'], encoding_format: 'float' };
  if (choice.model !== null) body.model = choice.model;
  const answer = await request(`${choice.baseUrl}/embeddings`, { method: 'POST', body, ...options });
  if (!answer.ok) return { ok: false, reason: answer.reason, ms: answer.ms };
  const data = isRecord(answer.data) ? answer.data.data : undefined;
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  const vector = isRecord(first) ? first.embedding : undefined;
  if (!Array.isArray(vector) || vector.length === 0)
    return { ok: false, reason: 'the answer has no embedding: not an embeddings endpoint', ms: answer.ms };
  return { ok: true, detail: `${vector.length} dimensions, in ${answer.ms} ms`, ms: answer.ms };
}
