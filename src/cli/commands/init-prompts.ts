import { confirm, input, select } from '@inquirer/prompts';
import {
  decideModel,
  describeChoice,
  decideSignal,
  normaliseServerUrl,
  type ChoiceFlags,
  type FoundServer,
  type FoundSignal,
  type ModelChoice,
  type ModelSlot,
  type Proposal,
  type SetupChoices,
  type SignalChoice,
} from '../../setup/index.js';

/**
 * The questions of an interactive `steward init` (@inquirer/prompts,
 * imported only here and only on a terminal). Each question starts on what
 * is set now, else on the proposal, so Enter keeps it; a flag given on the
 * command line is not asked about.
 */

/** What {@link askChoices} needs. */
export interface AskContext {
  /** The choices in effect now. */
  current: SetupChoices;
  /** The proposal. */
  proposal: Proposal;
  /** The servers found. */
  servers: readonly FoundServer[];
  /** signal-cli, if found. */
  signal: FoundSignal | undefined;
  /** The flags given. */
  flags: ChoiceFlags;
  /** The terminal to ask on (default: process.stdin and process.stdout; tests pass their own streams). */
  io?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } | undefined;
}

const OTHER = '\u0000other';
const NONE = '\u0000none';

const LABELS: Record<ModelSlot, string> = {
  fast: 'Fast tier (quick replies, commands in plain words)',
  quality: 'Quality tier (briefings, longer answers)',
  embeddings: 'Embedder (memory search by meaning)',
};

async function askModel(slot: ModelSlot, context: AskContext): Promise<ModelChoice | null> {
  const flagUrl =
    slot === 'fast'
      ? context.flags.fastUrl
      : slot === 'quality'
        ? context.flags.qualityUrl
        : context.flags.embeddingsUrl;
  const flagModel =
    slot === 'fast'
      ? context.flags.fastModel
      : slot === 'quality'
        ? context.flags.qualityModel
        : context.flags.embeddingsModel;
  const decided = decideModel(slot, { url: flagUrl, model: flagModel }, context.current[slot], context);
  if (flagUrl !== undefined || flagModel !== undefined) return decided;
  const wanted = slot === 'embeddings' ? 'embedding' : 'chat';
  const options: Array<{ name: string; value: string; description?: string }> = [];
  const values = new Map<string, ModelChoice | null>();
  const add = (choice: ModelChoice | null, name: string): void => {
    const key = JSON.stringify(choice);
    if (values.has(key)) return;
    values.set(key, choice);
    options.push({ name, value: key });
  };
  if (decided !== null)
    add(decided, `${describeChoice(decided)}${context.current[slot] === null ? ' (proposed)' : ' (now)'}`);
  for (const server of context.servers) {
    if (server.omitModel) {
      if (slot !== 'embeddings')
        add({ baseUrl: server.baseUrl, model: null }, `${describeChoice({ baseUrl: server.baseUrl, model: null })}`);
      continue;
    }
    for (const model of server.models)
      if (model.kind === wanted || model.kind === 'unknown')
        add(
          { baseUrl: server.baseUrl, model: model.id },
          `${model.id} at ${server.baseUrl}${model.kind === 'unknown' ? ' (kind unknown)' : ''}`,
        );
  }
  options.push({ name: 'another server (type its URL)', value: OTHER });
  options.push({ name: slot === 'embeddings' ? 'none: the offline embedder' : 'none', value: NONE });
  const picked = await select({ message: LABELS[slot], choices: options, default: options[0]?.value }, context.io);
  if (picked === NONE) return null;
  if (picked !== OTHER) return values.get(picked) ?? null;
  const url = await input({ message: 'Base URL (for example http://127.0.0.1:8080/v1)', required: true }, context.io);
  const model = await input({ message: 'Model name (empty: the server chooses)' }, context.io);
  return { baseUrl: normaliseServerUrl(url).baseUrl, model: model.trim() === '' ? null : model.trim() };
}

async function askSignal(context: AskContext): Promise<{ signal: SignalChoice | null; sendTest: boolean }> {
  const base = decideSignal(context.flags, context.current.signal, context.signal);
  const url = base?.url ?? context.signal?.url;
  if (url === undefined) return { signal: null, sendTest: false };
  if (!(await confirm({ message: `Use Signal through ${url}?`, default: true }, context.io)))
    return { signal: null, sendTest: false };
  const api = base?.api ?? context.signal?.api ?? 'jsonrpc';
  const account = await input(
    {
      message: "The assistant's own Signal number (E.164, empty if the daemon has one account)",
      default: base?.account ?? context.signal?.accounts[0] ?? '',
    },
    context.io,
  );
  const to = await input(
    {
      message: 'Your number(s), comma separated: briefings go there, and only they may talk to steward',
      default: base?.to.join(', ') ?? '',
      required: true,
    },
    context.io,
  );
  const signal: SignalChoice = {
    url,
    api,
    account: account.trim() === '' ? null : account.trim(),
    to: to
      .split(',')
      .map((number) => number.trim())
      .filter((number) => number !== ''),
  };
  const sendTest = await confirm({ message: 'Send a test message now?', default: true }, context.io);
  return { signal, sendTest };
}

/**
 * Ask for each choice on the terminal.
 * @param context - what is set now, what was found and the flags
 * @returns the choices, and whether to send the Signal test message
 */
export async function askChoices(context: AskContext): Promise<{ choices: SetupChoices; sendTest: boolean }> {
  const fast = await askModel('fast', context);
  const quality = await askModel('quality', context);
  const embeddings = await askModel('embeddings', context);
  const { signal, sendTest } = await askSignal(context);
  return { choices: { fast, quality, embeddings, signal }, sendTest };
}
