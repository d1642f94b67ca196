import type { StewardConfig } from '../../config/schema.js';
import { JsonRpcSignalTransport } from './jsonrpc.js';
import { RestSignalTransport } from './rest.js';
import { JsonRpcEventSource } from './sse.js';
import type { SignalEventSource, SignalTransport } from './transport.js';
import { RestEventSource } from './websocket.js';

export { JsonRpcSignalTransport, type JsonRpcTransportOptions } from './jsonrpc.js';
export { RestSignalTransport, type RestTransportOptions } from './rest.js';
export { JsonRpcEventSource, type JsonRpcEventSourceOptions } from './sse.js';
export { RestEventSource, type RestEventSourceOptions } from './websocket.js';
export {
  SignalReceiveLoop,
  type ReceiveLoopOptions,
  type ReceiveState,
  type ReceiveStatus,
  type CursorStore,
} from './receive-loop.js';
export { SignalChannel, type SignalChannelHost, type SignalChannelStatus } from './channel.js';
export { detectReceiveMode, type ReceiveModeFinding } from './receive-mode.js';
export {
  parseReceiveEvent,
  identityOf,
  MIN_SIGNAL_TIMESTAMP,
  MAX_SIGNAL_TIMESTAMP,
  type SignalIdentity,
  type SignalInbound,
  type ReceivedKind,
  type ReceiveParseResult,
} from './envelope.js';
export { SignalIdentities, type IdentityVerdict } from './identity.js';
export { ReplyRest } from './reply-rest.js';
export {
  capParts,
  MORE_COMMAND,
  splitMessage,
  splitRecipients,
  groupAddress,
  GROUP_ADDRESS_PREFIX,
  SIGNAL_MESSAGE_LIMIT,
  type SignalTransport,
  type SignalHealth,
  type SignalEventSource,
  type ListenOptions,
  type ReceivedEvent,
} from './transport.js';

/**
 * The Signal transport the config asks for (`signal.api`), or undefined when
 * `signal.url` is not set.
 * @param config - the loaded configuration
 * @returns a {@link RestSignalTransport} for `rest`, else a {@link JsonRpcSignalTransport}; undefined without `signal.url`
 */
export function createSignalTransport(config: StewardConfig): SignalTransport | undefined {
  const { url, api, account, timeoutMs } = config.signal;
  if (url === null) return undefined;
  return api === 'rest'
    ? new RestSignalTransport({ url, account, timeoutMs })
    : new JsonRpcSignalTransport({ url, account, timeoutMs });
}

/**
 * What is missing before steward can send to the owner on Signal, or
 * undefined when nothing is.
 * @param config - the loaded configuration
 * @returns one line naming the environment variables to set (`STEWARD_SIGNAL_URL`, `STEWARD_SIGNAL_ACCOUNT` for the REST API, `STEWARD_SIGNAL_TO`), or undefined
 */
export function missingSignalSettings(config: StewardConfig): string | undefined {
  const missing: string[] = [];
  if (config.signal.url === null) missing.push('STEWARD_SIGNAL_URL');
  if (config.signal.api === 'rest' && config.signal.account === null) missing.push('STEWARD_SIGNAL_ACCOUNT');
  if (config.signal.to.length === 0) missing.push('STEWARD_SIGNAL_TO');
  return missing.length === 0 ? undefined : `Signal is not configured: set ${missing.join(', ')} (see docs/signal.md)`;
}

/**
 * Where the daemon receives Signal messages, as the config asks
 * (`signal.api`): the JSON-RPC daemon's SSE stream or the REST API's
 * websocket. Undefined when receiving is off (`signal.receive.enabled`) or
 * Signal is not fully configured (see {@link missingSignalSettings}).
 * @param config - the loaded configuration
 * @returns a {@link RestEventSource} (pinging every third of `signal.receive.idleTimeoutMs`, at least every 1000 ms;
 *   in normal mode each receive call waits up to half of it, 1-5 s) for `rest`, else a {@link JsonRpcEventSource}, each
 *   waiting `signal.receive.connectTimeoutMs` for the connection; or undefined
 */
export function createSignalEventSource(config: StewardConfig): SignalEventSource | undefined {
  const { url, api, account, receive } = config.signal;
  if (!receive.enabled || url === null || missingSignalSettings(config) !== undefined) return undefined;
  if (api === 'rest') {
    if (account === null) return undefined;
    return new RestEventSource({
      url,
      account,
      timeoutMs: receive.connectTimeoutMs,
      pingIntervalMs: Math.max(1000, Math.floor(receive.idleTimeoutMs / 3)),
      // Each call answers within the idle watchdog, so a receive that waits is not taken for a dead stream.
      pollSeconds: Math.max(1, Math.min(5, Math.floor(receive.idleTimeoutMs / 2000))),
    });
  }
  return new JsonRpcEventSource({ url, account, timeoutMs: receive.connectTimeoutMs });
}
