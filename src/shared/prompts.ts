import { readFileSync } from 'node:fs';
import { fromRoot } from './paths.js';

const cache = new Map<string, string>();

/** Names of the prompt files in `prompts/`. */
export type PromptName =
  'system' | 'briefing-morning' | 'briefing-weekly' | 'summarize-episode' | 'extract-facts' | 'route-tier';

/**
 * Read `prompts/<name>.md` (cached) and fill its `{{placeholders}}`.
 * @param name - prompt file name without `.md`
 * @param values - placeholder values; unknown placeholders are left as they are
 * @returns the prompt text
 * @throws Error if the file is missing
 */
export function renderPrompt(name: PromptName, values: Record<string, string> = {}): string {
  let template = cache.get(name);
  if (template === undefined) {
    template = readFileSync(fromRoot('prompts', `${name}.md`), 'utf8');
    cache.set(name, template);
  }
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole).trim();
}
