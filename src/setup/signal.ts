import { JsonRpcSignalTransport, RestSignalTransport } from '../channels/signal/index.js';
import { describeError } from '../shared/errors.js';
import { isRecord, request } from './http-get.js';

/**
 * Finding signal-cli for `steward init`, and its test message. Both back
 * ends default to port 8080 (`real-servers.md` §1, §2, §10.9):
 * - the signal-cli HTTP daemon answers `GET /api/v1/check` with 200 and no
 *   body (`HttpServerHandler.handleCheckEndpoint`; no Host check there);
 * - bbernhard/signal-cli-rest-api answers `GET /v1/about` with
 *   `{versions, build, mode, ...}` (`src/api/api.go` `About`) and lists its
 *   registered numbers at `GET /v1/accounts`.
 */

/** The usual place of both: `signal-cli daemon --http` binds localhost:8080, the REST API's PORT is 8080. */
export const USUAL_SIGNAL_URLS: readonly string[] = ['http://127.0.0.1:8080'];

/** A signal-cli that answered. */
export interface FoundSignal {
  /** Its base URL. */
  url: string;
  /** `jsonrpc` (the HTTP daemon) or `rest` (signal-cli-rest-api). */
  api: 'jsonrpc' | 'rest';
  /** Its accounts, when it lists them (the REST API). */
  accounts: string[];
  /** What answered, for the owner. */
  detail: string;
}

/**
 * Look for signal-cli at each URL, first answer wins.
 * @param urls - base URLs to try
 * @param timeoutMs - per request, in ms
 * @returns what answered, or undefined
 */
export async function findSignal(urls: readonly string[], timeoutMs: number): Promise<FoundSignal | undefined> {
  for (const raw of urls) {
    const url = raw.trim().replace(/\/+$/, '');
    const check = await request(`${url}/api/v1/check`, { timeoutMs });
    if (check.ok) return { url, api: 'jsonrpc', accounts: [], detail: 'signal-cli HTTP daemon (/api/v1/check)' };
    if (check.status === undefined) continue; // nothing listens there
    const about = await request(`${url}/v1/about`, { timeoutMs });
    if (about.ok && isRecord(about.data) && Array.isArray(about.data.versions)) {
      const listed = await request(`${url}/v1/accounts`, { timeoutMs });
      const accounts = Array.isArray(listed.data) ? listed.data.filter((entry) => typeof entry === 'string') : [];
      const mode = typeof about.data.mode === 'string' ? `, ${about.data.mode} mode` : '';
      return { url, api: 'rest', accounts, detail: `signal-cli-rest-api (/v1/about${mode})` };
    }
  }
  return undefined;
}

/**
 * Send the test message through the chosen back end, as steward will send
 * briefings.
 * @param signal - URL, API, the assistant's account and the owner's numbers
 * @param timeoutMs - request timeout, in ms
 * @returns ok, or why it failed (a `DeliveryError`'s message)
 */
export async function sendTestMessage(
  signal: { url: string; api: 'jsonrpc' | 'rest'; account: string | null; to: readonly string[] },
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const options = { url: signal.url, account: signal.account, timeoutMs };
  const transport = signal.api === 'rest' ? new RestSignalTransport(options) : new JsonRpcSignalTransport(options);
  try {
    await transport.send(signal.to, 'steward is set up: this is its test message. Briefings will come here.');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
}
