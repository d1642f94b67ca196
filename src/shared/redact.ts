/**
 * Blanking out secrets (API keys, bearer tokens, passwords in URLs) in text
 * before it is logged, shown, stored or sent. The configured keys are
 * remembered once (`rememberSecrets`, at start-up), so that every error
 * steward makes (`StewardError` redacts its message when it is made),
 * `describeError`, the logger, the stored and sent replies, the outbox and
 * the command line's output blank them out: a server which echoes a key in
 * its error body cannot leak it through any door (issue 10, item 5).
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Patterns that look like credentials even when steward does not know the value. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /("(?:api[_-]?key|apiKey|authorization|password|token)"\s*:\s*")[^"]*(")/gi,
  // The password of a URL (`http://user:password@host`), as a proxy in front of signal-cli may want.
  /(\/\/[^/\s:@]+:)[^@\s/]+(@)/g,
  // A key in a query string (`?api_key=...`, `&token=...`).
  /([?&](?:api[_-]?key|key|token|access_token|password)=)[^&\s#"']+/gi,
];

/** The configured secrets, remembered once at start-up (see {@link rememberSecrets}). */
const remembered = new Set<string>();

/**
 * Remember secrets (the configured API keys) so that every later call of
 * {@link redactSecrets} blanks them out, wherever the text comes from.
 * Values under 6 characters are ignored (they would blank out ordinary words).
 * @param secrets - the values; empty and null ones are skipped
 */
export function rememberSecrets(secrets: ReadonlyArray<string | null | undefined>): void {
  for (const secret of secrets)
    if (secret !== null && secret !== undefined && secret.length >= 6) remembered.add(secret);
}

/**
 * Remove secrets from a piece of text.
 * @param text - a log line or any string
 * @param secrets - exact values to blank out besides the remembered ones (empty and very short values, under 6 characters, are ignored)
 * @returns the text with every secret, and everything that looks like one, replaced by `[redacted]`
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let clean = text;
  for (const secret of [...secrets, ...remembered]) {
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
