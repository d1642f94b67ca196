import { describe, expect, it } from 'vitest';
import { ConfigError, DeliveryError, describeError, PluginError } from '../../src/shared/errors.js';
import { redactSecrets, rememberSecrets } from '../../src/shared/redact.js';

/** Issue 10, item 5: every configured key, and anything that looks like one, is blanked out where errors are made. */
describe('redaction', () => {
  const key = 'cfg-key-A1s2D3f4G5h6';

  it('blanks a remembered key out of every error class and of any error turned into text', () => {
    rememberSecrets([key, null, 'short']);
    expect(new DeliveryError(`signal said ${key}`, { channel: 'signal', retryable: true }).message).toBe(
      'signal said [redacted]',
    );
    expect(new ConfigError(`bad ${key}`, { key: 'x', source: 'y' }).message).toBe('bad [redacted]');
    expect(new PluginError(`the handler failed: ${key}`, 'habits').message).not.toContain(key);
    expect(describeError(new TypeError(`fetch failed for ${key}`))).toBe('fetch failed for [redacted]');
    // Values under 6 characters are not secrets worth blanking: "short" stays.
    expect(redactSecrets('a short word')).toBe('a short word');
  });

  it('blanks what looks like a credential: URL passwords, query keys, bearer tokens, sk- keys', () => {
    expect(redactSecrets('at http://me:pa55w0rd@host:8080/api')).toBe('at http://me:[redacted]@host:8080/api');
    expect(redactSecrets('GET /v1/x?api_key=abc123&q=1')).toBe('GET /v1/x?api_key=[redacted]&q=1');
    expect(redactSecrets('Authorization: Bearer abcdefgh12345')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('key sk-proj-abcdefghij')).toBe('key [redacted]');
    expect(redactSecrets('a task-abcdefghijk and http://host:8080/path')).toBe(
      'a task-abcdefghijk and http://host:8080/path',
    );
  });
});
