import { afterEach, describe, expect, it } from 'vitest';
import { JsonRpcSignalTransport } from '../../src/channels/signal/jsonrpc.js';
import { RestSignalTransport } from '../../src/channels/signal/rest.js';
import { groupAddress, splitMessage } from '../../src/channels/signal/transport.js';
import { DeliveryError } from '../../src/shared/errors.js';
import { startSignalServer, type SignalServer } from '../support/signal-server.js';

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
    expect(signal.rpcRequests[0]).toMatchObject({ method: 'send', params: { account: '+15550000000', recipient: ['+15551112222'], message: 'hello' } });
    expect(signal.sent).toEqual([{ api: 'jsonrpc', account: '+15550000000', recipients: ['+15551112222'], message: 'hello' }]);
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
    expect((failure as DeliveryError).message).toBe('Signal send failed for +15551112222: UNREGISTERED_FAILURE');
    expect((failure as DeliveryError).retryable).toBe(false);
    signal.mode = 'http-error';
    await expect(transport.send(['+15551112222'], 'x')).rejects.toThrow('HTTP 500');
    expect(signal.sent).toEqual([]);
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
    signal = await startSignalServer();
    const transport = new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 });
    await transport.send(['+15551112222'], 'hi');
    expect(signal.sent).toEqual([{ api: 'rest', account: '+15550000000', recipients: ['+15551112222'], message: 'hi' }]);
    expect(await transport.check()).toMatchObject({ ok: true });
    signal.mode = 'http-error';
    await expect(transport.send(['+15551112222'], 'hi')).rejects.toThrow('HTTP 400');
  });

  it('sends to a group: groupId over JSON-RPC, group.<base64> over the REST API', async () => {
    signal = await startSignalServer();
    await new JsonRpcSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 }).send([groupAddress('ZmFtaWx5')], 'to the group');
    expect(signal.rpcRequests[0]?.params).toMatchObject({ groupId: ['ZmFtaWx5'], message: 'to the group' });
    expect(signal.rpcRequests[0]?.params.recipient).toBeUndefined();
    await new RestSignalTransport({ url: signal.url, account: '+15550000000', timeoutMs: 2000 }).send([groupAddress('ZmFtaWx5')], 'again');
    expect(signal.sent.map((sent) => [sent.api, sent.groupIds])).toEqual([
      ['jsonrpc', ['ZmFtaWx5']],
      ['rest', ['ZmFtaWx5']],
    ]);
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
