import { http } from '../shared/http.js';
import { ProviderError } from '../shared/errors.js';
import { classifyProviderError } from './classify.js';
import { faultOfResponse } from './faults.js';
import type { ResolvedProvider } from './router.js';

/** What {@link checkChat} found. */
export interface ChatCheck {
  /** The server answered a one-token chat request. */
  ok: boolean;
  /** Whether it took a request with a tool: true, false (it refused the tool), or null (not known: it did not answer). */
  tools: boolean | null;
  /** Why it did not answer, or why it refused the tool. */
  fault?: ProviderError | undefined;
}

/** The tool of the check: the model is told never to call it, and may not anyway with one token. */
const CHECK_TOOL = {
  type: 'function',
  function: {
    name: 'steward_doctor_check',
    description: 'A check by steward doctor. Never call it.',
    parameters: { type: 'object', properties: {} },
  },
};

async function ask(
  provider: ResolvedProvider,
  withTool: boolean,
  timeoutMs: number,
): Promise<ProviderError | undefined> {
  try {
    const response = await (
      await http()
    ).post<unknown>(
      `${provider.baseUrl}/chat/completions`,
      {
        model: provider.model,
        messages: [{ role: 'user', content: 'Say OK.' }],
        max_tokens: 1,
        stream: false,
        ...(withTool ? { tools: [CHECK_TOOL] } : {}),
      },
      {
        timeout: timeoutMs,
        headers: provider.apiKey === undefined ? {} : { Authorization: `Bearer ${provider.apiKey}` },
        validateStatus: () => true,
        responseType: 'json',
      },
    );
    if (response.status >= 200 && response.status < 300) return undefined;
    const fault = faultOfResponse(response.status, response.data);
    return new ProviderError(fault.message, {
      provider: provider.id,
      kind: fault.kind,
      status: response.status,
      responseBody: typeof response.data === 'string' ? response.data : JSON.stringify(response.data),
      secrets: [provider.apiKey],
    });
  } catch (error) {
    return classifyProviderError(error, provider.id, timeoutMs, [provider.apiKey]);
  }
}

/**
 * A one-token chat request with one tool, as `steward doctor` sends it to a
 * local server: it proves what `GET /models` cannot (llama.cpp answers the
 * model list without checking the key; a server may list a model it cannot
 * run), and whether the server takes tools (llama-server without `--jinja`
 * answers 500 "tools param requires --jinja flag"; Ollama 400 "does not
 * support tools"). When the tool is refused, the request is sent again
 * without it, to tell a server that takes no tools from one that does not chat.
 * @param provider - the provider, with its model settled
 * @param timeoutMs - timeout of each request, in ms (a cold model may be loading)
 * @returns whether it chats, and whether it takes tools
 */
export async function checkChat(provider: ResolvedProvider, timeoutMs: number): Promise<ChatCheck> {
  const withTool = await ask(provider, true, timeoutMs);
  if (withTool === undefined) return { ok: true, tools: true };
  if (withTool.kind !== 'tools-unsupported') return { ok: false, tools: null, fault: withTool };
  const without = await ask(provider, false, timeoutMs);
  return without === undefined
    ? { ok: true, tools: false, fault: withTool }
    : { ok: false, tools: false, fault: without };
}
