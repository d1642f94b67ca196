import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Steward } from '../src/app/steward.js';
import { loadConfig } from '../src/config/load.js';
import { askRouterModel } from '../src/models/router-model.js';
import { classifyTier } from '../src/models/tiers.js';
import { silentLogger } from '../src/shared/log.js';
import { refusedUrl, startOpenAIServer, type OpenAIServer, type ServerMode } from '../test/support/openai-server.js';
import { percentile } from './lib/stats.js';

/**
 * `pnpm bench router`: the model router against local OpenAI-compatible test
 * servers, all in one run. Time to first token (TTFT) of a turn through
 * `steward.handle` for a healthy local server and for each failure mode,
 * with LangChain's `withFallbacks` (default settings) as the peer on the
 * same servers; the tier classifier against the optional router model; and
 * the cloud requests made while the local server is healthy. Every target of
 * issue 3 is a row.
 *
 * Environment: `BENCH_ITERATIONS` (default 15) samples per fast case,
 * `BENCH_SLOW_ITERATIONS` (default 3) per hanging case, `BENCH_PEER_CAP_MS`
 * (default 20000): the peer is stopped there (its defaults retry a refused
 * server 6 times with back-off, and wait 10 min for a hanging one).
 */

const OPENAI_KEY = 'sk-bench-router-0123456789';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
const SLOW_ITERATIONS = Number(process.env.BENCH_SLOW_ITERATIONS ?? 3);
const PEER_CAP_MS = Number(process.env.BENCH_PEER_CAP_MS ?? 20_000);
const ANSWER = 'one two three four five six seven eight nine ten';

interface Opened {
  steward: Steward;
  close(): Promise<void>;
}

async function openSteward(env: Record<string, string>, overrides: Record<string, unknown> = {}): Promise<Opened> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-router-'));
  const config = loadConfig({
    env: { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC', ...env },
    overrides,
    readLocalFile: false,
  });
  const steward = await Steward.open({ config, log: silentLogger() });
  return {
    steward,
    close: async () => {
      await steward.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface TurnTiming {
  /** Turn start to the first token shown, ms. */
  firstToken: number;
  /** Turn start to the first token after a mid-reply notice (the restarted answer), ms. */
  restarted: number | undefined;
  /** Whole turn, ms. */
  total: number;
  /** Provider that answered. */
  provider: string;
}

async function timeTurn(steward: Steward, text = 'hello'): Promise<TurnTiming> {
  const started = performance.now();
  let first: number | undefined;
  let noticed = false;
  let restarted: number | undefined;
  const reply = await steward.handle(
    { channel: 'cli', sender: 'bench', text, receivedAt: new Date() },
    {
      onToken: () => {
        first ??= performance.now();
        if (noticed) restarted ??= performance.now();
      },
      onNotice: () => {
        noticed = true;
      },
    },
  );
  if (reply.kind !== 'agent' || first === undefined) throw new Error(`bench turn failed: ${reply.text}`);
  return {
    firstToken: first - started,
    restarted: restarted === undefined ? undefined : restarted - started,
    total: performance.now() - started,
    provider: reply.via?.provider ?? '?',
  };
}

interface PeerResult {
  /** TTFT in ms, or the cap. */
  ms: number;
  /** Stopped at the cap. */
  capped: boolean;
  /** What the caller got. */
  outcome: string;
}

/** LangChain's ChatOpenAI with default settings, `withFallbacks` to the cloud, streamed. */
async function peerTurn(localUrl: string, cloudUrl: string): Promise<PeerResult> {
  const { ChatOpenAI } = await import('@langchain/openai');
  const primary = new ChatOpenAI({ model: 'local-model', apiKey: 'not-needed', configuration: { baseURL: localUrl } });
  const fallback = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: OPENAI_KEY, configuration: { baseURL: cloudUrl } });
  const chain = primary.withFallbacks([fallback]);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('bench cap')), PEER_CAP_MS);
  const started = performance.now();
  let first: number | undefined;
  let text = '';
  try {
    const stream = await chain.stream([['user', 'hello']], { signal: controller.signal });
    for await (const chunk of stream) {
      if (typeof chunk.content === 'string' && chunk.content !== '') {
        first ??= performance.now();
        text += chunk.content;
      }
    }
    const from = text.includes('[gpt-test]') ? 'cloud' : 'local';
    const complete = text.trim().endsWith(']');
    const words = text.trim().split(/\s+/).length;
    return {
      ms: (first ?? performance.now()) - started,
      capped: false,
      outcome: complete ? `whole ${from} answer` : `half answer (${words} words) passed as whole`,
    };
  } catch (error) {
    if (controller.signal.aborted) return { ms: PEER_CAP_MS, capped: true, outcome: 'no answer yet' };
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return {
      ms: (first ?? performance.now()) - started,
      capped: false,
      outcome: `${first === undefined ? '' : 'partial answer, then '}error: ${message.slice(0, 40)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

const servers: OpenAIServer[] = [];
async function server(model: string, apiKey?: string): Promise<OpenAIServer> {
  const started = await startOpenAIServer({
    model,
    ...(apiKey === undefined ? {} : { apiKey, flavor: 'openai' as const }),
  });
  started.respond = () => ({ content: `${ANSWER} [${model}]` });
  servers.push(started);
  return started;
}

/**
 * Samples of one failure mode with the local breaker closed: a fresh
 * assistant each time, whose probe found the local server healthy, which
 * then misbehaves.
 */
async function closedBreakerSamples(
  cloud: OpenAIServer,
  mode: ServerMode | 'refused',
  iterations: number,
): Promise<TurnTiming[]> {
  const samples: TurnTiming[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const local = await server('local-model');
    const opened = await openSteward({
      STEWARD_LOCAL_FAST_URL: local.url,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: cloud.url,
    });
    await opened.steward.providers.probe();
    if (mode === 'refused') await local.close();
    else local.mode = mode;
    samples.push(await timeTurn(opened.steward));
    await opened.close();
    await local.close();
  }
  return samples;
}

async function main(): Promise<void> {
  const cloud = await server('gpt-test', OPENAI_KEY);
  const healthyLocal = await server('local-model');

  // Warm the process (LangChain's import, the first connection) outside the measurements.
  const warm = await openSteward({ STEWARD_LOCAL_FAST_URL: healthyLocal.url });
  await timeTurn(warm.steward);
  await peerTurn(healthyLocal.url, cloud.url);
  await warm.close();

  // Healthy local server; the cloud must get nothing (counted around each steward turn).
  const cloudCount = (): number => cloud.chatRequests.length + cloud.probes;
  const healthy = await openSteward({
    STEWARD_LOCAL_FAST_URL: healthyLocal.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: cloud.url,
  });
  const healthySamples: TurnTiming[] = [];
  const healthyPeer: number[] = [];
  let healthyPeerOutcome = '';
  let cloudRequestsWhileHealthy = 0;
  for (let index = 0; index < ITERATIONS; index += 1) {
    const before = cloudCount();
    healthySamples.push(await timeTurn(healthy.steward));
    cloudRequestsWhileHealthy += cloudCount() - before;
    const peer = await peerTurn(healthyLocal.url, cloud.url);
    healthyPeer.push(peer.ms);
    healthyPeerOutcome = peer.outcome;
  }
  await healthy.close();
  const healthyTurns = ITERATIONS;

  // The first local provider refused, the second (local quality) healthy: the chain must still stay local.
  const secondLocal = await openSteward({
    STEWARD_LOCAL_FAST_URL: await refusedUrl(),
    STEWARD_LOCAL_QUALITY_URL: healthyLocal.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: cloud.url,
  });
  let cloudRequestsSecondLocal = 0;
  let secondLocalAnswered = 0;
  for (let index = 0; index < ITERATIONS; index += 1) {
    const before = cloudCount();
    const timing = await timeTurn(secondLocal.steward);
    if (timing.provider === 'local-quality') secondLocalAnswered += 1;
    cloudRequestsSecondLocal += cloudCount() - before;
  }
  await secondLocal.close();

  // The fallback provider called directly: the baseline for the fallback overhead.
  const direct = await openSteward({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: cloud.url });
  const directSamples: TurnTiming[] = [];
  await timeTurn(direct.steward);
  for (let index = 0; index < ITERATIONS; index += 1) directSamples.push(await timeTurn(direct.steward));
  await direct.close();

  // Refused, breaker closed (fresh assistant each time) and breaker open.
  const refusedClosed = await closedBreakerSamples(cloud, 'refused', ITERATIONS);
  const deadUrl = await refusedUrl();
  const refusedPeer = await peerTurn(deadUrl, cloud.url);
  const open = await openSteward({
    STEWARD_LOCAL_FAST_URL: deadUrl,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: cloud.url,
  });
  await timeTurn(open.steward); // opens the breaker
  const refusedOpen: TurnTiming[] = [];
  for (let index = 0; index < ITERATIONS; index += 1) refusedOpen.push(await timeTurn(open.steward));
  await open.close();

  // Hanging: the first turn pays the probe timeout once; the next one skips the open breaker.
  const hangingFirst: TurnTiming[] = [];
  const hangingNext: TurnTiming[] = [];
  for (let index = 0; index < SLOW_ITERATIONS; index += 1) {
    const local = await server('local-model');
    const opened = await openSteward({
      STEWARD_LOCAL_FAST_URL: local.url,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: cloud.url,
    });
    await opened.steward.providers.probe();
    local.mode = 'hang';
    hangingFirst.push(await timeTurn(opened.steward));
    hangingNext.push(await timeTurn(opened.steward));
    await opened.close();
    await local.close();
  }
  const hangingServer = await server('local-model');
  hangingServer.mode = 'hang';
  const hangingPeer = await peerTurn(hangingServer.url, cloud.url);

  // HTTP 500, cut mid-stream, ended before [DONE].
  const error500 = await closedBreakerSamples(cloud, 'error500', ITERATIONS);
  const cut = await closedBreakerSamples(cloud, 'cut', ITERATIONS);
  const truncated = await closedBreakerSamples(cloud, 'truncate', ITERATIONS);
  const cutServer = await server('local-model');
  cutServer.mode = 'cut';
  const cutPeer = await peerTurn(cutServer.url, cloud.url);
  const truncateServer = await server('local-model');
  truncateServer.mode = 'truncate';
  const truncatePeer = await peerTurn(truncateServer.url, cloud.url);

  // The classifier, against the router model (one HTTP round trip to a local server).
  const corpus = [
    'hi',
    'I went for a run this morning',
    'plan my week around the marathon training',
    'draft an email to my landlord about the heating, polite but firm',
    'what is on today? is it going to rain? should I run or swim?',
    'why does ```/a+b/``` not match "aab"',
    'how did my week go, can you review it and tell me what to change',
    Array.from({ length: 400 }, (_, index) => `word${index}`).join(' '),
  ];
  const classifierSamples: number[] = [];
  for (let round = 0; round < 2000; round += 1) {
    for (const text of corpus) {
      const started = performance.now();
      classifyTier(text);
      classifierSamples.push(performance.now() - started);
    }
  }
  const routerServer = await server('router-model');
  routerServer.respond = () => ({ content: 'fast' });
  const routerSamples: number[] = [];
  for (let index = 0; index < ITERATIONS; index += 1) {
    const answer = await askRouterModel(
      {
        id: 'router',
        baseUrl: routerServer.url,
        model: 'router-model',
        tier: 'fast',
        kind: 'local',
        apiKey: undefined,
        timeoutMs: 1000,
      },
      corpus[index % corpus.length] ?? 'hi',
      { budgetMs: 1000 },
    );
    routerSamples.push(answer.elapsedMs);
  }

  await Promise.all(servers.map((running) => running.close()));

  const p50 = (
    samples: readonly TurnTiming[],
    pick: (timing: TurnTiming) => number | undefined = (timing) => timing.firstToken,
  ): number =>
    percentile(
      samples.map(pick).filter((value): value is number => value !== undefined),
      0.5,
      Number.NaN,
    );
  const p95 = (
    samples: readonly TurnTiming[],
    pick: (timing: TurnTiming) => number | undefined = (timing) => timing.firstToken,
  ): number =>
    percentile(
      samples.map(pick).filter((value): value is number => value !== undefined),
      0.95,
      Number.NaN,
    );
  const ms = (value: number): string => (Number.isNaN(value) ? '—' : value.toFixed(0));
  const signed = (value: number): string => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
  const peerCell = (peer: PeerResult): string => (peer.capped ? `> ${ms(peer.ms)} (stopped)` : ms(peer.ms));
  const ratio = (peer: PeerResult, ours: number): string => `${peer.capped ? '> ' : ''}${(peer.ms / ours).toFixed(1)}×`;

  const directP50 = p50(directSamples);
  const overOpen = p50(refusedOpen) - directP50;
  const hangCost = Math.max(...hangingFirst.map((timing) => timing.firstToken)) - directP50;
  const classifierMean = classifierSamples.reduce((sum, value) => sum + value, 0) / classifierSamples.length;
  const classifierP99 = percentile(classifierSamples, 0.99);
  const healthyPeerP50 = percentile(healthyPeer, 0.5);

  const table = new Table({
    head: [
      'case (time to first token)',
      'steward p50 ms',
      'p95 ms',
      'peer: withFallbacks p50 ms',
      'peer ÷ steward',
      'peer got',
      'target',
      'met',
    ],
    style: { head: [], border: [] },
  });
  const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');
  table.push(
    [
      'healthy local server',
      ms(p50(healthySamples)),
      ms(p95(healthySamples)),
      ms(healthyPeerP50),
      `${(healthyPeerP50 / p50(healthySamples)).toFixed(1)}×`,
      healthyPeerOutcome,
      '',
      '',
    ],
    ['fallback provider called directly (baseline)', ms(directP50), ms(p95(directSamples)), '', '', '', '', ''],
    [
      'local refused, breaker closed',
      ms(p50(refusedClosed)),
      ms(p95(refusedClosed)),
      peerCell(refusedPeer),
      ratio(refusedPeer, p50(refusedClosed)),
      refusedPeer.outcome,
      '',
      '',
    ],
    [
      'local refused, breaker open',
      ms(p50(refusedOpen)),
      ms(p95(refusedOpen)),
      '',
      '',
      '',
      `≤ baseline + 50 (${signed(overOpen)})`,
      yes(overOpen <= 50),
    ],
    [
      'local hanging, first turn (worst)',
      ms(p50(hangingFirst)),
      ms(Math.max(...hangingFirst.map((timing) => timing.firstToken))),
      peerCell(hangingPeer),
      ratio(hangingPeer, p50(hangingFirst)),
      hangingPeer.outcome,
      `≤ 2000 + 100 over baseline (${signed(hangCost)})`,
      yes(hangCost <= 2100),
    ],
    [
      'local hanging, next turn (breaker open)',
      ms(p50(hangingNext)),
      ms(p95(hangingNext)),
      '',
      '',
      '',
      `≤ baseline + 50 (${signed(p50(hangingNext) - directP50)})`,
      yes(p50(hangingNext) - directP50 <= 50),
    ],
    ['local HTTP 500', ms(p50(error500)), ms(p95(error500)), '', '', '', '', ''],
    [
      'local cut mid-stream: first token (local)',
      ms(p50(cut)),
      ms(p95(cut)),
      peerCell(cutPeer),
      '',
      cutPeer.outcome,
      '',
      '',
    ],
    [
      'local cut mid-stream: answer restarts (cloud)',
      ms(p50(cut, (timing) => timing.restarted)),
      ms(p95(cut, (timing) => timing.restarted)),
      '',
      '',
      '',
      '',
      '',
    ],
    [
      'local ends before [DONE]: answer restarts',
      ms(p50(truncated, (timing) => timing.restarted)),
      ms(p95(truncated, (timing) => timing.restarted)),
      peerCell(truncatePeer),
      '',
      truncatePeer.outcome,
      'no half answer',
      yes(truncated.every((timing) => timing.provider === 'openai-fast' && timing.restarted !== undefined)),
    ],
  );

  const other = new Table({
    head: ['measure', 'steward', 'peer', 'peer ÷ steward', 'target', 'met'],
    style: { head: [], border: [] },
  });
  other.push(
    [
      'tier classifier per turn (rules), ms',
      `mean ${classifierMean.toFixed(4)}, p99 ${classifierP99.toFixed(4)}`,
      `router model p50 ${percentile(routerSamples, 0.5).toFixed(2)}`,
      `${(percentile(routerSamples, 0.5) / classifierMean).toFixed(0)}×`,
      '≤ 1 ms',
      yes(classifierP99 <= 1),
    ],
    [
      `cloud requests during ${healthyTurns} turns with local healthy`,
      String(cloudRequestsWhileHealthy),
      '',
      '',
      '0',
      yes(cloudRequestsWhileHealthy === 0),
    ],
    [
      `cloud requests during ${ITERATIONS} turns, local-fast refused and local-quality healthy`,
      `${cloudRequestsSecondLocal} (${secondLocalAnswered} answered by local-quality)`,
      '',
      '',
      '0',
      yes(cloudRequestsSecondLocal === 0 && secondLocalAnswered === ITERATIONS),
    ],
  );

  process.stdout.write(
    `router, Node ${process.version}, ${ITERATIONS} samples per case (${SLOW_ITERATIONS} for hanging), health probe timeout 2000 ms, peer stopped at ${PEER_CAP_MS} ms\n` +
      `${table.toString()}\n${other.toString()}\n`,
  );
}

await main();
