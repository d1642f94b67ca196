import { z } from 'zod';

/**
 * How steward sizes a prompt against a server's context: about 3 characters
 * a token. Tokenizers give about 4 for English prose and 3 for JSON and
 * code, so this errs long, and a prompt that fits here fits the server.
 */
export const CHARACTERS_PER_TOKEN = 3;

/** Tokens the chat template adds around each message (role markers), at most. */
export const MESSAGE_OVERHEAD_TOKENS = 6;

/**
 * Estimated tokens of a text (see {@link CHARACTERS_PER_TOKEN}).
 * @param text - any text
 */
export function promptTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/**
 * Estimated tokens the tool definitions take in a prompt: the JSON the
 * client sends (`{type: "function", function: {name, description,
 * parameters}}`), which a chat template renders into the prompt.
 * @param tools - name, description and zod schema of each tool
 */
export function toolsTokens(tools: ReadonlyArray<{ name: string; description: string; schema: z.ZodType }>): number {
  // One token more per tool than the JSON of the list would give (its comma): estimates, not counts.
  return tools.reduce((sum, tool) => sum + toolTokens(tool), 0);
}

/** Each tool's estimate, computed once per tool object (rendering a zod schema takes a few ms). */
const TOOL_TOKENS = new WeakMap<object, number>();

function toolTokens(tool: { name: string; description: string; schema: z.ZodType }): number {
  let tokens = TOOL_TOKENS.get(tool);
  if (tokens === undefined) {
    const rendered = {
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: z.toJSONSchema(tool.schema) },
    };
    tokens = promptTokens(JSON.stringify(rendered)) + 1;
    TOOL_TOKENS.set(tool, tokens);
  }
  return tokens;
}

/**
 * Tokens kept free for the answer in a context of this size: a quarter, at most 1024.
 * @param contextTokens - the server's context, in tokens
 */
export function answerReserve(contextTokens: number): number {
  return Math.min(1024, Math.floor(contextTokens / 4));
}
