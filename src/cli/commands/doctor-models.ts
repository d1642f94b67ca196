import type { Steward } from '../../app/steward.js';
import { describeBreaker, describeLastError } from '../../app/status-text.js';
import type { StatusReport } from '../../app/status.js';
import { answerReserve, MESSAGE_OVERHEAD_TOKENS, promptTokens, toolsTokens } from '../../models/prompt-size.js';
import { keyVariable, type ServerFamily, type ServerProfile } from '../../models/servers/profile.js';
import { renderPrompt } from '../../shared/prompts.js';

/** Outcome of one doctor check. */
export interface DoctorCheck {
  /** What was checked, for example `model local-fast`. */
  name: string;
  /** `ok`, `warn` (optional and missing) or `fail` (broken). */
  status: 'ok' | 'warn' | 'fail';
  /** What was found, or what to do. */
  detail: string;
}

/** Provider ids that the default chains name and that exist only when their variables are set. */
const SHORTCUT_IDS = new Set(['local-fast', 'local-quality', 'openai-fast', 'openai-quality']);

/** What to change on each family so that it takes tools. */
const TOOLS_FIX: Partial<Record<ServerFamily, string>> = {
  'llama.cpp': 'start llama-server with --jinja (the default in current builds; --no-jinja turns it off)',
  ollama: 'use a model with tool support ("ollama show <model>" lists its capabilities)',
};

/** How to give each family a longer context. */
const CONTEXT_FIX: Partial<Record<ServerFamily, string>> = {
  'llama.cpp': 'start llama-server with a larger -c (--ctx-size)',
  ollama: 'set OLLAMA_CONTEXT_LENGTH (for example 32768) for "ollama serve", or PARAMETER num_ctx in a Modelfile',
  vllm: 'start vLLM with a larger --max-model-len',
  'lm-studio': "raise the context length in the model's load settings",
};

type ProviderEntry = StatusReport['providers'][number];

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** What the profile says about the context and tools, for the OK line. */
function describeServer(profile: ServerProfile | null, tools: boolean | null): string {
  if (profile === null) return '';
  const context =
    profile.contextTokens === null
      ? 'context not stated'
      : `context ${profile.contextTokens} tokens (${profile.contextSource ?? '?'})`;
  const takes = tools === null ? '' : tools ? '; takes tools' : '; takes no tools';
  return `; ${profile.family}, ${context}${takes}`;
}

/** A warning when the system prompt and the tools alone do not fit the server's context. */
function contextCheck(steward: Steward, entry: ProviderEntry, profile: ServerProfile | null): DoctorCheck | undefined {
  if (profile === null || profile.contextTokens === null) return undefined;
  const tools = steward.plugins.tools();
  const need =
    promptTokens(renderPrompt('system')) +
    toolsTokens(tools.map((hosted) => hosted.tool)) +
    2 * MESSAGE_OVERHEAD_TOKENS;
  const room = profile.contextTokens - answerReserve(profile.contextTokens);
  if (need <= room) return undefined;
  const fix = CONTEXT_FIX[profile.family];
  return {
    name: `context ${entry.provider.id}`,
    status: 'warn',
    detail: `the system prompt and ${plural(tools.length, 'tool')} take about ${need} tokens, more than the ${profile.contextTokens}-token context (${profile.contextSource ?? '?'}) leaves besides room for the answer: turns run without tools${fix === undefined ? '' : `; ${fix}`}`,
  };
}

/** The checks of one local provider whose breaker is closed: its model, a chat request with a tool, its context. */
async function localChecks(steward: Steward, entry: ProviderEntry, now: number): Promise<DoctorCheck[]> {
  const { provider, health } = entry;
  const name = `model ${provider.id}`;
  const answered = `${provider.baseUrl} answered in ${health.lastProbeLatencyMs ?? '?'} ms`;
  const choice = steward.providers.choice(provider.id);
  if (choice === undefined || !choice.ok)
    return [{ name, status: 'fail', detail: `${answered}, but ${choice?.ok === false ? choice.problem : 'no model'}` }];
  const timeoutMs = Math.min(provider.timeoutMs, 30_000);
  const check = await steward.providers.checkChat(provider.id, timeoutMs);
  const profile = steward.providers.health(provider.id)?.server ?? null;
  if (check !== undefined && !check.ok) {
    const fault = check.fault;
    const fix =
      fault?.kind === 'unauthorized'
        ? `: set ${keyVariable(provider.id)} (GET /models answered without a key, so only a chat request shows it)`
        : '';
    return [
      {
        name,
        status: 'fail',
        detail: `${answered}, but a chat request to model ${choice.model} failed: ${fault?.message ?? 'no answer'}${fix}`,
      },
    ];
  }
  const lastError = describeLastError(entry, now);
  const served = `served ${plural(entry.usage.requests, 'request')}`;
  const checks: DoctorCheck[] = [
    {
      name,
      status: 'ok',
      detail: `${answered}; model ${choice.model} (${choice.detail})${describeServer(profile, check?.tools ?? null)}; breaker closed; ${served}${lastError === '' ? '' : `; last error ${lastError}`}`,
    },
  ];
  if (profile?.warning !== null && profile?.warning !== undefined)
    checks.push({ name, status: 'warn', detail: profile.warning });
  if (check?.tools === false) {
    const fix = profile === null ? undefined : TOOLS_FIX[profile.family];
    checks.push({
      name: `tools ${provider.id}`,
      status: 'warn',
      detail: `${check.fault?.message ?? 'tools refused'}: its turns run without tools, so chat cannot check in habits or update goals${fix === undefined ? '' : `; ${fix}`}`,
    });
  }
  const context = contextCheck(steward, entry, profile);
  if (context !== undefined) checks.push(context);
  return checks;
}

/**
 * The model checks of `steward doctor`: each provider's health, and for a
 * local one the model steward chose and why, a one-token chat request with a
 * tool (the key, the model and tool support, which `GET /models` cannot
 * prove), and whether the system prompt and the tools fit its context; then
 * chains that name unknown providers and providers no chain names.
 * @param steward - the open assistant
 * @returns the checks in display order
 */
export async function checkModels(steward: Steward): Promise<DoctorCheck[]> {
  await steward.providers.probe({ cloud: 'always' });
  const report = steward.status();
  if (report.providers.length === 0) {
    return [
      {
        name: 'models',
        status: 'fail',
        detail:
          'no model configured: set STEWARD_LOCAL_FAST_URL (a local OpenAI-compatible server) and/or OPENAI_API_KEY',
      },
    ];
  }
  const now = report.generatedAt;
  const checks: DoctorCheck[] = [];
  for (const entry of report.providers) {
    const { provider, health } = entry;
    const name = `model ${provider.id}`;
    const served = `served ${plural(entry.usage.requests, 'request')}`;
    if (entry.disabled !== undefined) {
      checks.push({ name, status: 'ok', detail: `not used: ${entry.disabled}` });
    } else if (health.state !== 'closed') {
      checks.push({
        name,
        status: 'fail',
        detail: `${provider.baseUrl}: ${health.lastError ?? 'unavailable'}: start the server or fix the URL; breaker ${describeBreaker(entry, now)}; ${served}`,
      });
    } else if (provider.kind === 'local') {
      checks.push(...(await localChecks(steward, entry, now)));
    } else {
      const lastError = describeLastError(entry, now);
      checks.push({
        name,
        status: 'ok',
        detail: `${provider.baseUrl} answered in ${health.lastProbeLatencyMs ?? '?'} ms; model ${provider.model ?? '?'} (configured); breaker closed; ${served}${lastError === '' ? '' : `; last error ${lastError}`}`,
      });
    }
  }
  const configured = new Set(report.providers.map((entry) => entry.provider.id));
  for (const [tier, chain] of Object.entries(steward.config.models.chains)) {
    const unknown = chain.filter((id) => !configured.has(id) && !SHORTCUT_IDS.has(id));
    if (unknown.length > 0)
      checks.push({
        name: `chain ${tier}`,
        status: 'warn',
        detail: `models.chains.${tier} names ${unknown.map((id) => `"${id}"`).join(', ')}, which no provider has: fix the id or add it to models.providers`,
      });
  }
  const chained = new Set([...steward.config.models.chains.fast, ...steward.config.models.chains.quality]);
  for (const { provider } of report.providers) {
    if (!chained.has(provider.id))
      checks.push({
        name: `model ${provider.id}`,
        status: 'warn',
        detail: `no chain names it (models.chains.fast / .quality), so it is never used: add "${provider.id}" to a chain`,
      });
  }
  if (!report.providers.some(({ provider }) => provider.kind === 'local')) {
    checks.push({
      name: 'models',
      status: 'warn',
      detail: 'no local model: every turn goes to the cloud; set STEWARD_LOCAL_FAST_URL',
    });
  }
  return checks;
}
