import { afterEach, describe, expect, it } from 'vitest';
import { JsonRpcSignalTransport } from '../../src/channels/signal/jsonrpc.js';
import { RestSignalTransport } from '../../src/channels/signal/rest.js';
import { groupAddress, splitMessage } from '../../src/channels/signal/transport.js';
import { DeliveryError } from '../../src/shared/errors.js';
import { signalEnv } from '../support/daemon.js';
import { startSignalServer, type SignalMode, type SignalServer } from '../support/signal-server.js';
import { openTestSteward } from '../support/steward.js';

describe('Signal transports', () => {
  let signal: SignalServer | undefined;
  afterEach(async () => {
    await signal?.close();
    signal = undefined;
  });

  it('sends through signal-cli JSON-RPC with the account and recipients', async () => {
    signal = await startSignalServer();
    const transport = new JsonRpcSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
    await transport.send(['+15551112222'], 'hello');
    expect(signal.rpcRequests[0]).toMatchObject({
      method: 'send',
      params: { account: '+15550000000', recipient: ['+15551112222'], message: 'hello' },
    });
    expect(signal.sent).toEqual([
      { api: 'jsonrpc', account: '+15550000000', recipients: ['+15551112222'], message: 'hello' },
    ]);
    expect(await transport.check()).toMatchObject({ ok: true });
  });

  it('treats a JSON-RPC error, a failed recipient and an HTTP error as failures', async () => {
    signal = await startSignalServer();
    const transport = new JsonRpcSignalTransport({ url: signal.url, account: null, timeoutMs: 2000 });
    signal.mode = 'rpc-error';
    await expect(transport.send(['+15551112222'], 'x')).rejects.toThrow('Signal send failed: Failed to send message');
    signal.mode = 'recipient-failure';
    const failure = await transport.send(['+15551112222'], 'x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as DeliveryError).message).toBe(
      'Signal send failed: Failed to send message (code -1): +15551112222: UNREGISTERED_FAILURE',
    );
    expect((failure as DeliveryError).isRetryable).toBe(false);
    signal.mode = 'http-error';
    await expect(transport.send(['+15551112222'], 'x')).rejects.toThrow('HTTP 500');
    expect(signal.sent).toEqual([]);
  });

  it('gives up at once on a JSON-RPC error no retry can fix, and retries the transient ones', async () => {
    signal = await startSignalServer();
    const transport = new JsonRpcSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
    const cases: Array<[SignalMode, boolean, string]> = [
      ['rpc-unregistered', false, 'Signal send failed: The user +15551112222 is not registered. (code -1)'],
      [
        'rpc-untrusted',
        false,
        'Signal send failed: Failed to send message due to untrusted identities (code -4): +15551112222: IDENTITY_FAILURE',
      ],
      ['rpc-invalid-params', false, 'Signal send failed: Specified account does not exist (code -32602)'],
      ['rpc-error', true, 'Signal send failed: Failed to send message (code -1): +15551112222: NETWORK_FAILURE'],
      [
        'rpc-rate-limit',
        true,
        'Signal send failed: Failed to send message due to rate limiting (code -5): +15551112222: RATE_LIMIT_FAILURE',
      ],
      [
        'rpc-internal',
        true,
        'Signal send failed: Failed to send message: Connection reset (SocketException) (code -32603)',
      ],
    ];
    for (const [mode, retryable, message] of cases) {
      signal.mode = mode;
      const failure = await transport.send(['+15551112222'], 'x').catch((error: unknown) => error);
      expect(failure, mode).toBeInstanceOf(DeliveryError);
      expect({
        mode,
        message: (failure as DeliveryError).message,
        retryable: (failure as DeliveryError).isRetryable,
      }).toEqual({ mode, message, retryable });
    }
    expect(signal.sent).toEqual([]);
  });

  it('counts a result without a success for every recipient as a failure, not a delivery', async () => {
    signal = await startSignalServer();
    const transport = new JsonRpcSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
    signal.mode = 'no-results';
    const none = (await transport.send(['+15551112222'], 'x').catch((error: unknown) => error)) as DeliveryError;
    expect(none).toBeInstanceOf(DeliveryError);
    expect(none.message).toContain('Signal daemon confirmed no recipient');
    expect(none.isRetryable).toBe(false);
    signal.mode = 'partial-results';
    const partial = (await transport
      .send(['+15551112222', '+15553334444'], 'x')
      .catch((error: unknown) => error)) as DeliveryError;
    expect(partial).toBeInstanceOf(DeliveryError);
    expect(partial.message).toBe('Signal daemon reported no result for +15553334444');
    expect(partial.isRetryable).toBe(false);
    // Both recipients confirmed: a delivery.
    signal.mode = 'ok';
    await transport.send(['+15551112222', '+15553334444'], 'x');
    expect(signal.sent.map((sent) => sent.recipients)).toEqual([['+15551112222', '+15553334444']]);
  });

  it('gives up through the outbox at once on a permanent JSON-RPC error, instead of retrying for a day', async () => {
    signal = await startSignalServer();
    signal.mode = 'rpc-unregistered';
    const opened = await openTestSteward({ env: signalEnv(signal.url) });
    try {
      await expect(opened.steward.deliverToOwner({ idempotencyKey: 'test:permanent', text: 'x' })).rejects.toThrow(
        'is not registered',
      );
      expect(opened.steward.outbox.get('test:permanent')).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      await opened.close();
    }
  });

  it('reports an unreachable daemon', async () => {
    signal = await startSignalServer();
    const url = signal.url;
    await signal.close();
    signal = undefined;
    const transport = new JsonRpcSignalTransport({ url, account: null, timeoutMs: 1000 });
    await expect(transport.send(['+15551112222'], 'x')).rejects.toThrow('unreachable');
    expect(await transport.check()).toMatchObject({ ok: false });
  });

  it('sends through signal-cli-rest-api', async () => {
    signal = await startSignalServer({ backend: 'rest-api' });
    const transport = new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
    await transport.send(['+15551112222'], 'hi');
    expect(signal.sent).toEqual([
      { api: 'rest', account: '+15550000000', recipients: ['+15551112222'], message: 'hi' },
    ]);
    expect(await transport.check()).toMatchObject({ ok: true });
  });

  it('reads the REST API as strictly: only 201 is a delivery, and a 4xx other than 429 is not retried', async () => {
    for (const restMode of ['json-rpc', 'normal'] as const) {
      signal = await startSignalServer({ backend: 'rest-api', restMode });
      const transport = new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
      const cases: Array<[SignalMode, boolean, string]> = [
        ['http-error', true, 'Signal REST API answered HTTP 500 to send: internal'],
        [
          'rpc-rate-limit',
          true,
          restMode === 'json-rpc'
            ? 'Signal REST API answered HTTP 429 to send: Failed to send message due to rate limiting'
            : 'Signal REST API answered HTTP 400 to send: Failed to send (some) messages: Rate limit failure for "+15551112222"',
        ],
        // signal-cli-rest-api wraps every signal-cli failure in a 400; an I/O failure's message says it is transient.
        [
          'rpc-internal',
          true,
          'Signal REST API answered HTTP 400 to send: Failed to send message: Connection reset (SocketException)',
        ],
        [
          'rpc-unregistered',
          false,
          'Signal REST API answered HTTP 400 to send: The user +15551112222 is not registered.',
        ],
        // In json-rpc mode the REST API keeps only signal-cli's "Failed to send message": an unregistered
        // recipient reads the same as a network failure, so it is retried (the outbox's window bounds it).
        [
          'recipient-failure',
          restMode === 'json-rpc',
          restMode === 'json-rpc'
            ? 'Signal REST API answered HTTP 400 to send: Failed to send message'
            : 'Signal REST API answered HTTP 400 to send: Failed to send (some) messages: Unregistered user "+15551112222"',
        ],
        [
          'no-results',
          false,
          'Signal REST API answered HTTP 200 to send, expected 201 (is STEWARD_SIGNAL_URL the REST API?)',
        ],
      ];
      for (const [mode, retryable, message] of cases) {
        signal.mode = mode;
        const failure = await transport.send(['+15551112222'], 'hi').catch((error: unknown) => error);
        expect(failure, `${restMode} ${mode}`).toBeInstanceOf(DeliveryError);
        expect({
          mode,
          message: (failure as DeliveryError).message,
          retryable: (failure as DeliveryError).isRetryable,
        }).toMatchObject({ mode, retryable });
        expect((failure as DeliveryError).message, `${restMode} ${mode}`).toContain(message);
      }
      expect(signal.sent).toEqual([]);
      await signal.close();
    }
    signal = undefined;
  });

  it("retries the REST API's 400 for a network failure, in json-rpc and in normal mode", async () => {
    for (const restMode of ['json-rpc', 'normal'] as const) {
      signal = await startSignalServer({ backend: 'rest-api', restMode });
      const transport = new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
      signal.mode = 'rpc-error';
      const failure = (await transport.send(['+15551112222'], 'hi').catch((error: unknown) => error)) as DeliveryError;
      expect(failure, restMode).toBeInstanceOf(DeliveryError);
      expect(failure.isRetryable, `${restMode}: ${failure.message}`).toBe(true);
      await signal.close();
    }
    signal = undefined;
  });

  it('reads per-recipient failures: the 201 with errors.recipients (after 0.100) and the 400 of 0.100 normal mode', async () => {
    const cases = [
      {
        restVersion: 'head' as const,
        restMode: 'normal' as const,
        message: 'Signal send failed for +15553334444: NETWORK_FAILURE (the REST API answered 201 for the others)',
      },
      {
        restVersion: '0.100' as const,
        restMode: 'normal' as const,
        message:
          'Signal REST API answered HTTP 400 to send: Failed to send (some) messages:Network failure for "+15553334444"',
      },
    ];
    for (const { restVersion, restMode, message } of cases) {
      signal = await startSignalServer({ backend: 'rest-api', restMode, restVersion });
      signal.mode = 'partial-network';
      const transport = new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
      const failure = (await transport
        .send(['+15551112222', '+15553334444'], 'hi')
        .catch((error: unknown) => error)) as DeliveryError;
      expect(failure, restVersion).toBeInstanceOf(DeliveryError);
      expect(failure.message).toContain(message);
      expect(failure.isRetryable).toBe(true); // a network failure
      await signal.close();
    }
    signal = undefined;
  });

  it('sends to a group: groupId over JSON-RPC, group.<base64> over the REST API', async () => {
    signal = await startSignalServer();
    await new JsonRpcSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 }).send(
      [groupAddress('ZmFtaWx5')],
      'to the group',
    );
    expect(signal.rpcRequests[0]?.params).toMatchObject({ groupId: ['ZmFtaWx5'], message: 'to the group' });
    expect(signal.rpcRequests[0]?.params.recipient).toBeUndefined();
    const rest = await startSignalServer({ backend: 'rest-api' });
    try {
      await new RestSignalTransport({ url: rest.url, account: '+15550000000', timeoutMs: 2000 }).send(
        [groupAddress('ZmFtaWx5')],
        'again',
      );
      expect([...signal.sent, ...rest.sent].map((sent) => [sent.api, sent.groupIds])).toEqual([
        ['jsonrpc', ['ZmFtaWx5']],
        ['rest', ['ZmFtaWx5']],
      ]);
    } finally {
      await rest.close();
    }
  });

  it('splits long texts at line boundaries, each part within the limit', () => {
    const text = Array.from({ length: 300 }, (_, index) => `line ${index} of a long briefing`).join('\n');
    const parts = splitMessage(text, 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    expect(parts.join('\n')).toBe(text);
    expect(splitMessage('short')).toEqual(['short']);
  });
});
