import { writeFileSync } from 'node:fs';
import { fromRoot } from '../shared/paths.js';
import { configJsonSchemaText } from './json-schema.js';

// `pnpm config:schema`: regenerate config/schema.json from the zod schema.
const target = fromRoot('config', 'schema.json');
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
