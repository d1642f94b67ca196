import { editDistance } from '../shared/edit-distance.js';
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

  /**
   * The command a line was probably meant to be, when its command words are
   * one edit away from a phrase: `chek in run`, `check-in run`, `habit stat
   * run`, `goal reveiw` (a swap of two letters is one edit). Careful not to
   * take a sentence for a command: the edit must fall in a word of 4 letters
   * or more (`check on the kids` is not `check in`), a one-word phrase must
   * have 6 letters or more (`skin care` is not `skip`), and the corrected
   * line must then match the grammar (`goals are hard` is no `goals`).
   * @param text - what the owner typed, which {@link match} did not take
   * @returns the corrected line, or undefined when no phrase is that close
   */
  suggest(text: string): string | undefined {
    const line = normaliseCommandText(text);
    // A hyphen or a missing space between command words is the same typo as a letter: "check-in".
    const words = line.replace(/-/g, ' ').split(' ');
    for (const entry of this.#entries) {
      const phraseWords = entry.phrase.split(' ');
      if (phraseWords.length === 1 && entry.phrase.length < 6) continue;
      const typed = words.slice(0, phraseWords.length);
      if (typed.length < phraseWords.length) continue;
      let edits = 0;
      phraseWords.forEach((word, index) => {
        const said = (typed[index] ?? '').toLowerCase();
        if (said === word) return;
        edits += word.length >= 4 && said.length >= 3 ? editDistance(said, word, 1) : 2;
      });
      const separatorOnly = line.toLowerCase().startsWith(entry.phrase.replace(/ /g, '-'));
      if (edits !== 1 && !separatorOnly) continue;
      // The arguments as typed: the tokens after those that make up the command words.
      const tokens = line.split(' ');
      let consumed = 0;
      for (let count = 0; count < phraseWords.length && consumed < tokens.length; consumed += 1)
        count += (tokens[consumed] ?? '').split('-').length;
      const corrected = [entry.phrase, ...tokens.slice(consumed)].join(' ').trim();
      if (this.match(corrected) !== undefined) return corrected;
    }
    return undefined;
  }

  /** Every registered command once, in registration order, for help texts. */
  list(): RegisteredCommand[] {
    return [...this.#registered];
  }
}
