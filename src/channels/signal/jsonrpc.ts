import type { AxiosResponse } from 'axios';
import { http } from '../../shared/http.js';
import { DeliveryError, describeError } from '../../shared/errors.js';
import { readRpcError, readSendResults, type RpcResponse } from './jsonrpc-result.js';
import { splitRecipients, type SignalHealth, type SignalTransport } from './transport.js';

/** Options of {@link JsonRpcSignalTransport}. */
export interface JsonRpcTransportOptions {
  /** Base URL of `signal-cli daemon --http`, for example http://127.0.0.1:8080. */
  url: string;
  /** The assistant's own number; sent as `account` (needed when the daemon serves several accounts). */
  account: string | null;
  /** Timeout of one request, in ms. */
  timeoutMs: number;
}

let nextId = 1;

/**
 * Signal through the signal-cli JSON-RPC HTTP daemon: `POST /api/v1/rpc`
 * with method `send`, health from `GET /api/v1/check` (protocol: signal-cli
 * `man signal-cli-jsonrpc`). A send passed only when `result.results` holds a
 * `SUCCESS` for every recipient; a JSON-RPC error, a missing or empty
 * `results`, or a recipient without a success is a failed send, never a
 * silent success. Which failures are worth retrying: see
 * {@link readRpcError} and {@link readSendResults}.
 */
export class JsonRpcSignalTransport implements SignalTransport {
  /** Which back end this is: `jsonrpc`, the signal-cli JSON-RPC HTTP daemon. */
  readonly api = 'jsonrpc' as const;
  readonly #options: JsonRpcTransportOptions;

  /** @param options - URL, account and timeout */
  constructor(options: JsonRpcTransportOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  /** {@inheritDoc SignalTransport.send} */
  async send(recipients: readonly string[], text: string): Promise<void> {
    const { people, groupIds } = splitRecipients(recipients);
    const params: Record<string, unknown> = { message: text };
    if (people.length > 0) params.recipient = people;
    if (groupIds.length > 0) params.groupId = groupIds;
    if (this.#options.account !== null) params.account = this.#options.account;
    const body = { jsonrpc: '2.0', id: nextId++, method: 'send', params };
    let response: AxiosResponse<RpcResponse>;
    try {
      response = await (
        await http()
      ).post<RpcResponse>(`${this.#options.url}/api/v1/rpc`, body, {
        timeout: this.#options.timeoutMs,
        validateStatus: () => true,
      });
    } catch (error) {
      throw new DeliveryError(
        `Signal daemon at ${this.#options.url} is unreachable: ${describeError(error)}`,
        { channel: 'signal', retryable: true },
        { cause: error },
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const hint =
        response.status === 421
          ? ` (signal-cli refuses the Host header "${new URL(this.#options.url).host}": see steward doctor)`
          : '';
      throw new DeliveryError(`Signal daemon answered HTTP ${response.status} to send${hint}`, {
        channel: 'signal',
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    const data = response.data;
    if (data === null || typeof data !== 'object') {
      throw new DeliveryError('Signal daemon sent a malformed JSON-RPC response', {
        channel: 'signal',
        retryable: true,
      });
    }
    if (data.error !== undefined && data.error !== null) {
      const failure = readRpcError(data.error);
      throw new DeliveryError(failure.message, { channel: 'signal', retryable: failure.retryable });
    }
    if (data.result === undefined || data.result === null) {
      throw new DeliveryError('Signal daemon sent a JSON-RPC response without a result', {
        channel: 'signal',
        retryable: true,
      });
    }
    const reading = readSendResults(people, groupIds, data.result.results);
    if (!reading.success)
      throw new DeliveryError(reading.error.message, { channel: 'signal', retryable: reading.error.retryable });
  }

  /**
   * {@inheritDoc SignalTransport.check}
   *
   * `GET /api/v1/check` proves only that signal-cli runs: since v0.14.4 it
   * answers 421 on `/api/v1/rpc` and `/api/v1/events` to a `Host` header it
   * does not serve, and `/api/v1/check` is not checked. So a real JSON-RPC
   * call follows: `version` (signal-cli `VersionCommand`), which also says
   * which signal-cli runs.
   */
  async check(): Promise<SignalHealth> {
    const url = `${this.#options.url}/api/v1/check`;
    const rpc = `${this.#options.url}/api/v1/rpc`;
    try {
      const client = await http();
      const response = await client.get(url, { timeout: this.#options.timeoutMs, validateStatus: () => true });
      if (response.status < 200 || response.status >= 300)
        return { ok: false, detail: `${url} answered HTTP ${response.status}` };
      const version = await client.post<RpcResponse & { result?: { version?: unknown } }>(
        rpc,
        { jsonrpc: '2.0', id: nextId++, method: 'version' },
        { timeout: this.#options.timeoutMs, validateStatus: () => true },
      );
      if (version.status === 421)
        return {
          ok: false,
          detail: `${url} answered ${response.status}, but ${rpc} answered 421: signal-cli 0.14.4 and later refuse the Host header "${new URL(rpc).host}" (it serves the address of its --http, localhost and 127.0.0.1, on that port); use http://127.0.0.1:<port> or http://localhost:<port> in STEWARD_SIGNAL_URL, or start signal-cli with --http on that host (0.0.0.0 works from 0.14.5)`,
        };
      if (version.status !== 200)
        return { ok: false, detail: `${url} answered ${response.status}, but ${rpc} answered HTTP ${version.status}` };
      const said = version.data?.result?.version;
      return {
        ok: true,
        detail: `${url} answered ${response.status}; ${rpc} answered${typeof said === 'string' ? ` (signal-cli ${said})` : ''}`,
        ...(typeof said === 'string' ? { version: said } : {}),
      };
    } catch (error) {
      return { ok: false, detail: `${this.#options.url} is unreachable: ${describeError(error)}` };
    }
  }
}
