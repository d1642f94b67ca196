import type { TurnStep } from './compose.js';

/**
 * Help on one topic.
 * @param topic - what follows `help`, lower case: `habits`, `goal`, `check in`, `days`
 * @param columns - the width of the owner's terminal, if known
 * @returns the help text, or undefined when the topic is none steward knows (the line then goes to the model: "help me plan my week")
 */
export type TopicHelp = (topic: string, columns: number | undefined) => Promise<string | undefined>;

/**
 * The step that answers `help <topic>` (`help habits`, `help check in`,
 * `help days`) from the command list, with no model; a `help ...` that
 * names no topic passes on.
 * @param topicHelp - the help of a topic
 * @returns the step
 */
export function helpStep(topicHelp: TopicHelp): TurnStep {
  return async (turn, next) => {
    const topic = /^(?:help|commands)\s+(?:on\s+|with\s+|for\s+)?(.+?)[?.!]*$/i.exec(turn.text.trim())?.[1];
    const text = topic === undefined ? undefined : await topicHelp(topic.toLowerCase(), turn.options.columns);
    if (text === undefined) return next();
    turn.accept('core:help');
    turn.reply = { text, kind: 'command', notices: [] };
  };
}
