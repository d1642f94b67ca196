import type { Reply } from '../turn/types.js';

/**
 * The one-line tag under a model reply: which provider answered, and why a
 * provider earlier in the chain did not (for example
 * `via openai-fast · local-fast: connection refused`). Empty for replies
 * from the first local provider. The REPL prints it dimmed under the reply,
 * `steward run` on stderr, and Signal in brackets after the text.
 * @param reply - the reply
 * @returns the tag, or `''` when there is nothing to say
 */
export function viaTag(reply: Reply): string {
  if (reply.via === undefined) return '';
  const skipped = reply.via.fallbackFrom.map((attempt) => `${attempt.provider}: ${attempt.reason}`);
  if (reply.via.kind === 'local' && skipped.length === 0) return '';
  return [`via ${reply.via.provider}`, ...skipped].join(' · ');
}
