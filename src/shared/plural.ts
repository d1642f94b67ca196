/**
 * A count with its noun, singular for one: `1 fact`, `3 facts`, `0 episodes`.
 * @param count - how many
 * @param noun - the singular noun
 * @param pluralNoun - the plural when it is not `noun + s` (`1 entry`, `2 entries`)
 */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
