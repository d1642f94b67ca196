import type { AxiosResponse } from 'axios';
import { http } from '../../shared/http.js';
import { DeliveryError, describeError } from '../../shared/errors.js';
import { readRestCreated, readRestRefusal } from './rest-result.js';
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
 * Signal through bbernhard/signal-cli-rest-api: `POST /v2/send`
 * `{message, number, recipients}` answers 201, and only a 201 that names no
 * failed recipient is a delivery (a 200 or 204 is not what the REST API
 * sends: something else answered); a 400 is read for signal-cli's words, so
 * a network failure is retried (see `rest-result.ts`); health is
 * `GET /v1/health` answering 204.
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
    if (response.status === 201) {
      const failed = readRestCreated(response.data);
      if (failed !== undefined)
        throw new DeliveryError(failed.message, { channel: 'signal', retryable: failed.retryable });
      return;
    }
    const reason =
      typeof response.data?.error === 'string' && response.data.error !== ''
        ? response.data.error.replace(/\s*\n\s*/g, ' ').trim()
        : undefined;
    const refusal = readRestRefusal(response.status, response.data?.error);
    const expected = response.status < 400 ? ', expected 201 (is STEWARD_SIGNAL_URL the REST API?)' : '';
    throw new DeliveryError(
      `Signal REST API answered HTTP ${response.status} to send${expected}${reason === undefined ? '' : `: ${reason}`}`,
      { channel: 'signal', retryable: refusal.retryable },
    );
  }

  /**
   * The REST API's `MODE`, from `GET /v1/about` (`src/api/api.go` `About`; `json-rpc-native` reports `json-rpc`).
   * @returns `json-rpc`, `normal` or `native`, or undefined when it does not say or does not answer
   */
  async mode(): Promise<string | undefined> {
    try {
      const response = await (
        await http()
      ).get<{ mode?: unknown }>(`${this.#options.url}/v1/about`, {
        timeout: this.#options.timeoutMs,
        validateStatus: () => true,
      });
      const mode = response.status === 200 ? response.data?.mode : undefined;
      return typeof mode === 'string' ? mode : undefined;
    } catch {
      // Not answering is reported by check(); here it only means the mode is not known.
      return undefined;
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
