/**
 * Blanking out secrets (API keys, bearer tokens) in text before it is
 * logged, shown or stored. Used by the logger on every finished line and by
 * {@link ProviderError} on its message, so that a server which echoes a key
 * in its error body cannot leak it into a reply or the database.
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Patterns that look like credentials even when steward does not know the value. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /("(?:api[_-]?key|apiKey|authorization|password|token)"\s*:\s*")[^"]*(")/gi,
];

/**
 * Remove secrets from a piece of text.
 * @param text - a log line or any string
 * @param secrets - exact values to blank out (empty and very short values, under 6 characters, are ignored)
 * @returns the text with every secret, and everything that looks like one, replaced by `[redacted]`
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret === null || secret === undefined || secret.length < 6) continue;
    clean = clean.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) {
    clean = clean.replace(pattern, (match: string, ...groups: unknown[]) => {
      const prefix = typeof groups[0] === 'string' && match.startsWith(groups[0]) ? groups[0] : '';
      const suffix = typeof groups[1] === 'string' && match.endsWith(groups[1]) ? groups[1] : '';
      return prefix + REDACTED + suffix;
    });
  }
  return clean;
}
