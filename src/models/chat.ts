import { ProviderError } from '../shared/errors.js';
import type { ChatMessage } from './chat-model.js';
import { openChatModel, type ChatModelOptions } from './langchain-chat-model.js';
import type { ResolvedProvider } from './router.js';

/** One message of a plain completion. */
export type CompletionMessage = ChatMessage;

/** Options of {@link completeText}. */
export interface CompleteTextOptions extends ChatModelOptions {
  /** Cancels the request. */
  signal?: AbortSignal | undefined;
  /** JSON schema the answer must follow (see `ChatModel.streamText`). */
  jsonSchema?: { name: string; schema: Record<string, unknown> } | undefined;
}

/**
 * A plain chat completion without tools (briefings, summaries, structured
 * output), streamed and joined.
 * @param provider - the provider, with its model settled
 * @param messages - the conversation
 * @param options - temperature, cancellation, logger, meter and an optional JSON schema
 * @returns the reply text, trimmed
 * @throws ProviderError from the provider; an empty reply is one too, of kind `malformed`
 */
export async function completeText(
  provider: ResolvedProvider,
  messages: readonly CompletionMessage[],
  options: CompleteTextOptions,
): Promise<string> {
  const model = openChatModel(provider, options);
  let text = '';
  for await (const piece of model.streamText(messages, { signal: options.signal, jsonSchema: options.jsonSchema }))
    text += piece;
  const trimmed = text.trim();
  if (trimmed === '')
    throw new ProviderError('malformed response: the model returned no text', {
      provider: provider.id,
      kind: 'malformed',
    });
  return trimmed;
}
