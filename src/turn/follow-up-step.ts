import type { CommandGrammar } from './command-step.js';
import { runCommandLine } from './command-step.js';
import type { TurnStep } from './compose.js';

/**
 * The owner's answer to the last reply's question, on any channel (the
 * REPL, `steward run` has none, Signal): a number (or `#id`) that picks one
 * of the numbered choices of an ambiguous name, or a yes to "did you mean
 * ...?". Anything else drops the question and is handled as usual.
 */

/** A question waiting for the owner's answer. */
type Pending =
  | { kind: 'choice'; text: string; query: string; choices: ReadonlyArray<{ id: number; name: string }>; at: number }
  | { kind: 'confirm'; text: string; at: number };

/** A question is forgotten after this long without an answer, in ms. */
export const FOLLOW_UP_TTL_MS = 10 * 60_000;

const YES = /^(y|yes|yeah|yep|yup|ok|okay|sure|please|do it|go ahead)[.!]*$/i;
const NO = /^(n|no|nope|cancel|never mind)[.!]*$/i;

/** Escape a text for a regular expression. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The command line with the ambiguous name replaced by the chosen `#id`:
 * `add milestone marathon: run 30 km` → `add milestone #1: run 30 km`.
 * @param text - the command line that was ambiguous
 * @param query - the name as it was typed
 * @param id - the chosen id
 * @returns the new line, or undefined when the name is not in the line
 */
export function withChoice(text: string, query: string, id: number): string | undefined {
  const words = query.trim().split(/\s+/).map(escape).join('\\s+');
  if (words === '') return undefined;
  const pattern = new RegExp(`(^|\\s)${words}(?=$|[\\s:,.!])`, 'i');
  // The name is in the arguments, after the command's phrase: replace its last occurrence there.
  let last: RegExpExecArray | undefined;
  const global = new RegExp(pattern.source, 'gi');
  for (let found = global.exec(text); found !== null; found = global.exec(text)) last = found;
  if (last === undefined) return undefined;
  const start = last.index + (last[1] ?? '').length;
  return `${text.slice(0, start)}#${id}${text.slice(last.index + last[0].length)}`;
}

/**
 * The follow-up step: it answers a pending question, and after every turn
 * records the question the reply asked, if any, for the same sender on the
 * same channel.
 * @param grammar - the command grammar, to run the chosen command
 * @returns the step
 */
export function followUpStep(grammar: CommandGrammar): TurnStep {
  const pending = new Map<string, Pending>();
  return async (turn, next) => {
    const key = `${turn.message.channel}\u0000${turn.message.sender}`;
    const now = turn.message.receivedAt.getTime();
    const question = pending.get(key);
    pending.delete(key);
    const answer = turn.text.trim();
    let answered = false;
    if (question !== undefined && now - question.at <= FOLLOW_UP_TTL_MS) {
      if (question.kind === 'choice') {
        const number = /^#?(\d+)[.)]?$/.exec(answer);
        const byNumber =
          number !== null && !answer.startsWith('#') ? question.choices[Number(number[1]) - 1] : undefined;
        const byId =
          number !== null && answer.startsWith('#')
            ? question.choices.find((choice) => choice.id === Number(number[1]))
            : undefined;
        const chosen = byNumber ?? byId;
        const line = chosen === undefined ? undefined : withChoice(question.text, question.query, chosen.id);
        if (line !== undefined) answered = await runCommandLine(grammar, turn, line);
      } else if (YES.test(answer)) {
        answered = await runCommandLine(grammar, turn, question.text);
      } else if (NO.test(answer)) {
        turn.accept('core:did-you-mean');
        turn.reply = { text: 'OK, nothing done.', kind: 'command', notices: [] };
        answered = true;
      }
    }
    if (!answered) await next();
    if (turn.ambiguity !== undefined) pending.set(key, { kind: 'choice', ...turn.ambiguity, at: now });
    else if (turn.suggestion !== undefined) pending.set(key, { kind: 'confirm', text: turn.suggestion, at: now });
  };
}
