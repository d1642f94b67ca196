import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { JsonRpcSignalTransport } from '../../src/channels/signal/jsonrpc.js';
import { ACCOUNT, eventually, NO_BRIEFINGS, OWNER, signalEnv, startDaemon } from '../support/daemon.js';
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../support/signal-server.js';
import { openTestSteward, runCli, temporaryDataDir, type TestSteward } from '../support/steward.js';

/**
 * steward against signal-cli's HTTP daemon as it really is (issue 11, items
 * 1-3): no event ids and no replay, so only `--receive-mode on-connection`
 * keeps what arrives while steward is away; before v0.14.4 no headers for up
 * to 15 s; since v0.14.4 a 421 to a Host header it does not serve, which
 * `/api/v1/check` does not show.
 */
describe('signal-cli as it is', () => {
  let signal: SignalServer | undefined;
  let opened: TestSteward | undefined;
  let daemon: Daemon | undefined;
  const children: ChildProcess[] = [];
  const cleanups: Array<() => void> = [];
  const logLines: string[] = [];
  afterEach(async () => {
    await daemon?.stop();
    await opened?.close();
    await signal?.close();
    daemon = undefined;
    opened = undefined;
    signal = undefined;
    for (const child of children.splice(0)) child.kill();
    for (const cleanup of cleanups.splice(0)) cleanup();
    logLines.length = 0;
  });

  async function start(
    options: SignalServerOptions,
    receive: Record<string, unknown> = {},
    extra: Record<string, unknown> = {},
  ): Promise<SignalServer> {
    signal = await startSignalServer(options);
    opened = await openTestSteward({
      env: signalEnv(signal.url),
      overrides: {
        ...NO_BRIEFINGS,
        signal: { receive: { backoffMs: [20, 50], idleTimeoutMs: 5000, ...receive }, ...extra },
      },
      logSink: (line) => logLines.push(line),
    });
    daemon = (await startDaemon(opened.steward)).daemon;
    return signal;
  }

  function replies(): string[] {
    return (signal?.sent ?? []).map((sent) => sent.message);
  }

  /** Keep the stream down (signal-cli busy restarting), push, then let steward back in. */
  async function whileDown(server: SignalServer, texts: string[]): Promise<void> {
    server.eventsStatus = 503;
    server.dropEventStreams();
    await eventually(() => expect(server.eventClients).toBe(0));
    for (const text of texts) server.pushEnvelope(server.incoming(OWNER, text), ACCOUNT);
    server.eventsStatus = undefined;
  }

  it('on-connection: messages sent while the stream was down are answered after it comes back, none twice', async () => {
    const server = await start({ receiveMode: 'on-connection' });
    await eventually(() => expect(server.eventClients).toBe(1));
    server.pushEnvelope(server.incoming(OWNER, 'add habit rowing daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    await whileDown(server, ['check in rowing', 'habit stats rowing']);
    await eventually(() => expect(replies()).toHaveLength(3));
    expect(replies()[1]).toContain('Checked in rowing');
    // Down and up again with nothing new: nothing is answered twice.
    await whileDown(server, []);
    await eventually(() => expect(server.eventClients).toBe(1));
    await daemon!.signalChannel!.idle();
    expect(replies()).toHaveLength(3);
    expect(server.lost).toBe(0);
  });

  it('on-start (the default): the same messages are received by signal-cli while steward is away, and lost', async () => {
    const server = await start({});
    await eventually(() => expect(server.eventClients).toBe(1));
    await whileDown(server, ['check in rowing', 'habit stats rowing']);
    await eventually(() => expect(server.eventClients).toBe(1));
    await daemon!.signalChannel!.idle();
    expect(server.lost).toBe(2);
    expect(replies()).toEqual([]);
  });

  it('waits for the headers of a signal-cli before 0.14.4, which sends none until its keep-alive', async () => {
    // signal-cli 0.14.3: headers held until the first write; its keep-alive every 15 s, here 1.5 s.
    // The wait is receive.connectTimeoutMs (default 20 s, here 3 s), not the 1 s of a send.
    const server = await start(
      { version: '0.14.3', flushHeaders: false, keepAliveMs: 1500, receiveMode: 'on-connection' },
      { connectTimeoutMs: 3000 },
      { timeoutMs: 1000 },
    );
    await eventually(() => expect(daemon?.signalChannel?.status().state).toBe('connected'));
    server.pushEnvelope(server.incoming(OWNER, 'add habit sketching daily'), ACCOUNT);
    await eventually(() => expect(replies()).toHaveLength(1));
    expect(logLines.some((line) => line.includes('did not answer within'))).toBe(false);
  });

  it('signal-cli 0.14.4 behind a mapped port: the 421 stops receiving with what to change, and doctor sees it though /api/v1/check answers', async () => {
    const server = await start({ version: '0.14.4', bind: '0.0.0.0:8080', receiveMode: 'on-connection' });
    await eventually(() => expect(daemon?.signalChannel?.status().state).toBe('failed'));
    expect(daemon?.signalChannel?.status().lastError).toContain('answered HTTP 421');
    expect(daemon?.signalChannel?.status().lastError).toContain('STEWARD_SIGNAL_URL');
    const transport = new JsonRpcSignalTransport({ url: server.url, account: ACCOUNT, timeoutMs: 2000 });
    await expect(transport.send([OWNER], 'x')).rejects.toThrow('Signal daemon answered HTTP 421 to send');
    const health = await transport.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('/api/v1/check answered 200, but');
    expect(health.detail).toContain('/api/v1/rpc answered 421');
  });

  it('signal-cli 0.14.5 and later serve any Host when bound to 0.0.0.0; doctor names the version', async () => {
    const server = await startSignalServer({ version: '0.14.6', bind: '0.0.0.0:8080' });
    signal = server;
    const health = await new JsonRpcSignalTransport({ url: server.url, account: ACCOUNT, timeoutMs: 2000 }).check();
    expect(health).toMatchObject({ ok: true, version: '0.14.6' });
    expect(health.detail).toContain('(signal-cli 0.14.6)');
  });

  it('doctor reads the receive mode from the command line of the signal-cli on this machine', async () => {
    signal = await startSignalServer({ receiveMode: 'on-connection' });
    const port = new URL(signal.url).port;
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const env = { STEWARD_DATA_DIR: dataDir, ...signalEnv(signal.url) };
    const none = await runCli(['doctor'], { env });
    expect(none.stdout).toContain(
      `warn  signal receive       no signal-cli daemon with --http on port ${port} was found on this machine: make sure it runs with --receive-mode on-connection`,
    );
    // A process whose command line is signal-cli's (the JVM's arguments look the same to ps).
    const fake = (mode: string[]): ChildProcess => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          'setInterval(() => {}, 1000)',
          'signal-cli',
          '-a',
          ACCOUNT,
          'daemon',
          '--http',
          `127.0.0.1:${port}`,
          ...mode,
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      return child;
    };
    const onStart = fake([]);
    const warned = await runCli(['doctor'], { env });
    expect(warned.stdout).toContain(
      'warn  signal receive       signal-cli receives from the start (--receive-mode on-start, its default), so messages that arrive while steward is not connected are lost: restart it with --receive-mode on-connection',
    );
    onStart.kill();
    fake(['--receive-mode', 'on-connection']);
    const good = await runCli(['doctor'], { env });
    expect(good.stdout).toContain(
      'ok    signal receive       signal-cli receives only while steward is connected (--receive-mode on-connection)',
    );
    expect(good.stdout).toMatch(
      /ok {4}signal +http:\/\/127\.0\.0\.1:\d+\/api\/v1\/check answered 200; .*\(signal-cli 0\.14\.6\)/,
    );
  });

  it('"steward service install --signal-cli" prints a signal-cli unit that receives on connection', async () => {
    const { dataDir, remove } = temporaryDataDir();
    cleanups.push(remove);
    const printed = await runCli(['service', 'install', '--signal-cli', '--systemd'], {
      env: { STEWARD_DATA_DIR: dataDir, ...signalEnv('http://127.0.0.1:8080') },
    });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(
      /^ExecStart="[^"]*signal-cli" "-a" "\+15550000000" "daemon" "--http" "127\.0\.0\.1:8080" "--receive-mode" "on-connection" "--no-receive-stdout"$/m,
    );
    expect(printed.stderr).toContain('systemctl --user enable --now signal-cli');
    const steward = await runCli(['service', 'install', '--systemd'], {
      env: { STEWARD_DATA_DIR: dataDir, ...signalEnv('http://127.0.0.1:8080') },
    });
    expect(steward.stderr).toContain('"steward service install --signal-cli" prints its unit');
  });
});
