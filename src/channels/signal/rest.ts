import type { AxiosResponse } from 'axios';
import { http } from '../../shared/http.js';
import { DeliveryError, describeError } from '../../shared/errors.js';
import { splitRecipients, type SignalHealth, type SignalTransport } from './transport.js';

/** Options of {@link RestSignalTransport}. */
export interface RestTransportOptions {
  /** Base URL of signal-cli-rest-api, for example http://127.0.0.1:8080. */
  url: string;
  /** The assistant's own number (required by `POST /v2/send`). */
  account: string | null;
  /** Timeout of one request, in ms. */
  timeoutMs: number;
}

/**
 * Recipients as the REST API names them: a group is `group.` followed by
 * the base64 of signal-cli's group id (signal-cli-rest-api
 * `convertInternalGroupIdToGroupId`).
 * @param recipients - numbers, UUIDs and `group:<groupId>` addresses
 */
function restRecipients(recipients: readonly string[]): string[] {
  const { people, groupIds } = splitRecipients(recipients);
  return [...people, ...groupIds.map((groupId) => `group.${Buffer.from(groupId, 'utf8').toString('base64')}`)];
}

/**
 * Text of a REST API 400 that names a failure a later try may fix. The REST
 * API answers 400 with signal-cli's message for every failed send, transient
 * ones included ("json-rpc request send timed out after 30s", a network
 * failure, an IOException), so the text is the only clue.
 */
const TRANSIENT_TEXT = /timed out|timeout|network failure|IOException|connection (refused|reset|closed)|rate limit/i;

/**
 * Whether a failed `POST /v2/send` may pass if tried later: 429 (rate
 * limited, with challenge tokens) and 5xx yes; a 400 only when its message
 * names a transient cause (see {@link TRANSIENT_TEXT}); any other 4xx (bad
 * request, unknown number, wrong URL) and any other unexpected status no.
 * @param status - the HTTP status, not 201
 * @param reason - the body's `error`, if any
 */
function restRetryable(status: number, reason: string | undefined): boolean {
  if (status === 429 || status >= 500) return true;
  if (status === 400) return reason !== undefined && TRANSIENT_TEXT.test(reason);
  return false;
}

/**
 * Signal through bbernhard/signal-cli-rest-api: `POST /v2/send`
 * `{message, number, recipients}` answers 201, and only 201 is a delivery
 * (a 200 or 204 is not what the REST API sends: something else answered);
 * health is `GET /v1/health` answering 204.
 */
export class RestSignalTransport implements SignalTransport {
  /** Which back end this is: `rest`, bbernhard/signal-cli-rest-api. */
  readonly api = 'rest' as const;
  readonly #options: RestTransportOptions;

  /** @param options - URL, account and timeout */
  constructor(options: RestTransportOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  /** {@inheritDoc SignalTransport.send} */
  async send(recipients: readonly string[], text: string): Promise<void> {
    if (this.#options.account === null) {
      throw new DeliveryError('Signal REST API needs the sending number: set STEWARD_SIGNAL_ACCOUNT', {
        channel: 'signal',
        retryable: false,
      });
    }
    let response: AxiosResponse<{ error?: string }>;
    try {
      response = await (
        await http()
      ).post<{ error?: string }>(
        `${this.#options.url}/v2/send`,
        { message: text, number: this.#options.account, recipients: restRecipients(recipients) },
        { timeout: this.#options.timeoutMs, validateStatus: () => true },
      );
    } catch (error) {
      throw new DeliveryError(
        `Signal REST API at ${this.#options.url} is unreachable: ${describeError(error)}`,
        { channel: 'signal', retryable: true },
        { cause: error },
      );
    }
    if (response.status !== 201) {
      const reason =
        typeof response.data?.error === 'string' && response.data.error !== '' ? response.data.error : undefined;
      const expected = response.status < 400 ? ', expected 201 (is STEWARD_SIGNAL_URL the REST API?)' : '';
      throw new DeliveryError(
        `Signal REST API answered HTTP ${response.status} to send${expected}${reason === undefined ? '' : `: ${reason}`}`,
        {
          channel: 'signal',
          retryable: restRetryable(response.status, reason),
        },
      );
    }
  }

  /** {@inheritDoc SignalTransport.check} */
  async check(): Promise<SignalHealth> {
    const url = `${this.#options.url}/v1/health`;
    try {
      const response = await (await http()).get(url, { timeout: this.#options.timeoutMs, validateStatus: () => true });
      if (response.status === 204 || response.status === 200)
        return { ok: true, detail: `${url} answered ${response.status}` };
      return { ok: false, detail: `${url} answered HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, detail: `${url} is unreachable: ${describeError(error)}` };
    }
  }
}
