import { createServer } from 'node:http';
import { vi } from 'vitest';
import type { Steward } from '../../src/app/steward.js';
import { Daemon, type DaemonOptions, type DaemonStartReport } from '../../src/daemon/daemon.js';
import { listen, sendJson } from './http.js';

/** The owner's number in the daemon tests. */
export const OWNER = '+15551112222';
/** The assistant's own number. */
export const ACCOUNT = '+15550000000';
/** Someone who is not on the allowlist. */
export const STRANGER = '+15559998888';

/**
 * The contract's Signal variables, as a user sets them.
 * @param url - the fake signal-cli's URL
 * @param api - `jsonrpc` or `rest`
 */
export function signalEnv(url: string, api: 'jsonrpc' | 'rest' = 'jsonrpc'): Record<string, string> {
  return {
    STEWARD_SIGNAL_URL: url,
    STEWARD_SIGNAL_API: api,
    STEWARD_SIGNAL_ACCOUNT: ACCOUNT,
    STEWARD_SIGNAL_TO: OWNER,
  };
}

/** Config overrides: quick reconnects, so a dropped stream comes back within a test. */
export const QUICK_RECEIVE = { signal: { receive: { backoffMs: [20, 50, 100], idleTimeoutMs: 5000 } } };

/** Config overrides: no briefing jobs (for tests about receiving only). */
export const NO_BRIEFINGS = { briefings: { morning: { enabled: false }, weekly: { enabled: false } } };

/**
 * Start a daemon with short loop intervals.
 * @param steward - an open Steward
 * @param options - overrides of the intervals or the Signal source
 */
export async function startDaemon(
  steward: Steward,
  options: DaemonOptions = {},
): Promise<{ daemon: Daemon; report: DaemonStartReport }> {
  const daemon = new Daemon(steward, { outboxIntervalMs: 20, heartbeatMs: 50, shutdownGraceMs: 2000, ...options });
  const report = await daemon.start();
  return { daemon, report };
}

/**
 * Wait until an assertion passes (polling; not a timed assertion: the limit only ends a hung test).
 * @param assertion - throws until the condition holds
 */
export async function eventually(assertion: () => void | Promise<void>): Promise<void> {
  await vi.waitFor(assertion, { timeout: 10_000, interval: 10 });
}

/** An OpenAI-compatible server that lists a model but never finishes a chat completion (a model stuck on a long answer). */
export interface StallingModel {
  /** Base URL ending in /v1. */
  url: string;
  /** Chat requests received (none is ever answered). */
  readonly chatRequests: number;
  /** Stop it, cutting the open requests. */
  close(): Promise<void>;
}

/** Start a {@link StallingModel} on 127.0.0.1. */
export async function startStallingModel(): Promise<StallingModel> {
  let chatRequests = 0;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.startsWith('/v1/models') === true) {
      sendJson(response, 200, { object: 'list', data: [{ id: 'slow-model', object: 'model', owned_by: 'test' }] });
      return;
    }
    chatRequests += 1;
  });
  const listening = await listen(server);
  return {
    url: `http://127.0.0.1:${listening.port}/v1`,
    get chatRequests() {
      return chatRequests;
    },
    close: listening.close,
  };
}
