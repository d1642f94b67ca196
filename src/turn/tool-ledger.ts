import type { HostedTool } from '../plugins/host.js';

/** One tool call carried out in a turn. */
export interface LedgerEntry {
  /** Tool name. */
  name: string;
  /** Its arguments, as JSON. */
  args: string;
  /** What the tool returned. */
  result: string;
}

/**
 * The tools that ran in one turn. A provider that fails after a tool call
 * must not make the next provider do it again (a check-in twice, progress
 * added twice): the ledger's tools answer a repeated call (same name, same
 * arguments) from the ledger, and {@link carriedOut} tells the next model
 * what was done.
 */
export class ToolLedger {
  readonly #entries: LedgerEntry[] = [];
  /** The turn's tools, each answering a repeated call from the ledger. */
  readonly tools: HostedTool[];

  /** @param tools - the plugins' tools */
  constructor(tools: readonly HostedTool[]) {
    this.tools = tools.map((hosted) => ({
      ...hosted,
      run: async (args: unknown): Promise<string> => {
        const key = JSON.stringify(args ?? {});
        const done = this.#entries.find((entry) => entry.name === hosted.tool.name && entry.args === key);
        if (done !== undefined) return `(already done earlier in this turn; not repeated) ${done.result}`;
        const result = await hosted.run(args);
        this.#entries.push({ name: hosted.tool.name, args: key, result });
        return result;
      },
    }));
  }

  /** The calls carried out so far, in order. */
  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  /**
   * What to add to the system prompt of the next attempt: the tool calls
   * already carried out, and not to repeat them.
   * @returns a paragraph starting with two newlines, or `''` when no tool ran
   */
  carriedOut(): string {
    if (this.#entries.length === 0) return '';
    const lines = this.#entries.map((entry) => `- ${entry.name}(${entry.args}) → ${entry.result}`);
    return `\n\nEarlier in this turn, before another model failed, these tool calls were already carried out. Do not call them again; tell the owner what was done:\n${lines.join('\n')}`;
  }
}
