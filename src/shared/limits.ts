import { InputTooLongError } from './errors.js';

/**
 * Refuse a text over its limit.
 * @param text - the input
 * @param limit - the most characters allowed
 * @param what - what it is, for the message: `habit name`, `fact`, `message`
 * @param key - the config key of the limit: `limits.name`
 * @throws InputTooLongError when `text` is longer than `limit`
 */
export function refuseTooLong(text: string, limit: number, what: string, key: string): void {
  if (text.length > limit) throw new InputTooLongError({ what, length: text.length, limit, key });
}
