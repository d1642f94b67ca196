import type { ProviderError } from '../shared/errors.js';

/**
 * What a failed request on a provider means for its circuit breaker and for
 * the turn:
 * - `down`: the server is down or broke the answer (refused, unreachable, a
 *   hung server whose probe timed out, a cut stream, a 5xx): open the breaker;
 * - `confirm`: maybe down, maybe only slow or odd (a request that timed out
 *   or a stream that stalled, an error steward cannot tell): probe it, and
 *   open the breaker only when the probe fails too;
 * - `trim`: the prompt does not fit its context: send it again, shorter, to the same server;
 * - `no-tools`: it takes no tools: send the turn again without them;
 * - `config`: a wrong key or model name: say which variable to set; the server is up;
 * - `request`: this request was refused (a 4xx, a 429, an answer steward could not use);
 *   the server is up.
 *
 * Only `down` (and a failed `confirm`) opens the breaker, so no 400 from a
 * healthy local server sends the next turns to the cloud.
 * @param error - the failure, classified
 * @param unresponsive - whether the liveness probe that ran alongside timed out (a hung server)
 */
export function verdictOf(
  error: ProviderError,
  unresponsive: boolean,
): 'down' | 'confirm' | 'trim' | 'no-tools' | 'config' | 'request' {
  switch (error.kind) {
    case 'refused':
    case 'unreachable':
    case 'cut-stream':
      return 'down';
    case 'timeout':
      return unresponsive ? 'down' : 'confirm';
    case 'context-too-long':
      return 'trim';
    case 'tools-unsupported':
      return 'no-tools';
    case 'unauthorized':
    case 'not-found':
      return 'config';
    case 'http':
      if (error.status === undefined) return 'confirm';
      return error.status >= 500 ? 'down' : 'request';
    case 'unknown':
      return 'confirm';
    default:
      return 'request';
  }
}
