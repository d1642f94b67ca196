import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema of the configuration (`config/schema.json`), generated from
 * the zod schema so that editors can check and document `default.json`,
 * `local.json` and the file named by `STEWARD_CONFIG`. The old top-level
 * `briefings` key is listed as deprecated.
 * @returns the schema as pretty-printed JSON text, ending with a newline
 */
export function configJsonSchemaText(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & {
    properties: Record<string, unknown>;
  };
  const withMeta = {
    ...schema,
    title: 'steward configuration',
    description: 'Generated from src/config/schema.ts by "pnpm config:schema"; do not edit by hand.',
    properties: {
      $schema: { type: 'string', description: 'Path of this schema, for editors.' },
      ...schema.properties,
      // Still read (src/config/legacy.ts), so editors accept it, and flag it.
      briefings: {
        $ref: '#/properties/plugins/properties/briefings',
        deprecated: true,
        description:
          'Old name of plugins.briefings: still read, with a notice in the log and in "steward doctor"; move it there.',
      },
    },
  };
  return JSON.stringify(withMeta, null, 2) + '\n';
}
