import type { PluginCommand } from './api.js';

/** A command together with the plugin that owns it. */
export interface RegisteredCommand {
  /** Owning plugin's name (`core` for built-ins). */
  plugin: string;
  /** The command. */
  command: PluginCommand;
}

/** A successful match of a text against the command grammar. */
export interface CommandMatch extends RegisteredCommand {
  /** The phrase that matched, for example `check in`. */
  phrase: string;
  /** The rest of the text, trimmed; may be empty. */
  args: string;
}

/** A phrase that two commands both claim. */
export interface PhraseConflict {
  /** The phrase. */
  phrase: string;
  /** Plugin that keeps it (registered first). */
  kept: string;
  /** Plugin whose command lost it. */
  dropped: string;
}

/**
 * Normalise a line before matching: collapse white space and drop trailing
 * sentence punctuation ("check in meditation." is the same command).
 * @param text - a raw line
 */
export function normaliseCommandText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!]+$/, '')
    .trim();
}

/**
 * The deterministic command grammar: the text must start with a command's
 * phrase (any case) followed by a space or the end. The longest phrase wins,
 * so `habit stats` beats a hypothetical `habit`. No model is involved.
 */
export class CommandRouter {
  readonly #entries: Array<RegisteredCommand & { phrase: string }> = [];
  readonly #registered: RegisteredCommand[] = [];
  /** Phrases claimed twice; the first registration keeps the phrase. */
  readonly conflicts: PhraseConflict[] = [];

  /**
   * @param commands - commands in registration order (built-ins first, then plugins by name)
   */
  constructor(commands: readonly RegisteredCommand[]) {
    const owners = new Map<string, string>();
    for (const registered of commands) {
      for (const phrase of registered.command.phrases) {
        const key = phrase.toLowerCase();
        const owner = owners.get(key);
        if (owner !== undefined) {
          this.conflicts.push({ phrase: key, kept: owner, dropped: registered.plugin });
          continue;
        }
        owners.set(key, registered.plugin);
        this.#entries.push({ ...registered, phrase: key });
        if (!this.#registered.includes(registered)) this.#registered.push(registered);
      }
    }
    this.#entries.sort((left, right) => right.phrase.length - left.phrase.length);
  }

  /**
   * Match a line against the grammar.
   * @param text - what the owner typed
   * @returns the command and its arguments, or undefined when the text is not a command
   */
  match(text: string): CommandMatch | undefined {
    const line = normaliseCommandText(text);
    const lower = line.toLowerCase();
    for (const entry of this.#entries) {
      if (lower !== entry.phrase && !lower.startsWith(entry.phrase + ' ')) continue;
      const args = line.slice(entry.phrase.length).trim();
      if (entry.command.args === 'none' && args !== '') continue;
      return { plugin: entry.plugin, command: entry.command, phrase: entry.phrase, args };
    }
    return undefined;
  }

  /** Every registered command once, in registration order, for help texts. */
  list(): RegisteredCommand[] {
    return [...this.#registered];
  }
}
