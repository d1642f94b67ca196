import type { StewardConfig } from '../../config/schema.js';
import { JsonRpcSignalTransport } from './jsonrpc.js';
import { RestSignalTransport } from './rest.js';
import type { SignalTransport } from './transport.js';

export { JsonRpcSignalTransport, type JsonRpcTransportOptions } from './jsonrpc.js';
export { RestSignalTransport, type RestTransportOptions } from './rest.js';
export { splitMessage, SIGNAL_MESSAGE_LIMIT, type SignalTransport, type SignalHealth } from './transport.js';

/**
 * The Signal transport the config asks for (`signal.api`), or undefined when
 * `signal.url` is not set.
 * @param config - the loaded configuration
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
 */
export function missingSignalSettings(config: StewardConfig): string | undefined {
  const missing: string[] = [];
  if (config.signal.url === null) missing.push('STEWARD_SIGNAL_URL');
  if (config.signal.api === 'rest' && config.signal.account === null) missing.push('STEWARD_SIGNAL_ACCOUNT');
  if (config.signal.to.length === 0) missing.push('STEWARD_SIGNAL_TO');
  return missing.length === 0 ? undefined : `Signal is not configured: set ${missing.join(', ')} (see docs/signal.md)`;
}
