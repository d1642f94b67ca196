import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { fromRoot, packageRoot } from '../shared/paths.js';
import { describeError } from '../shared/errors.js';
import type { Plugin } from './api.js';

/** A plugin that was imported and passed validation. */
export interface DiscoveredPlugin {
  /** The plugin object. */
  plugin: Plugin;
  /** Folder it came from. */
  directory: string;
}

/** A plugin that could not be used, and why. */
export interface PluginFailure {
  /** Plugin name, or the folder name when it never loaded. */
  name: string;
  /** One line: what is wrong. */
  reason: string;
}

/** Result of {@link discoverPlugins}. */
export interface DiscoveryResult {
  /** Usable plugins, sorted by folder name. */
  plugins: DiscoveredPlugin[];
  /** Broken plugins: reported, skipped, and never fatal for the others. */
  failures: PluginFailure[];
}

const isFunction = z.custom<(...parameters: never[]) => unknown>((value) => typeof value === 'function', {
  message: 'must be a function',
});
const lowerName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits or "-"');
const cron = z.union([z.string().min(9), isFunction]);

/** Run-time check of a plugin's shape: the loader and the plugins must agree, or the plugin is reported. */
const pluginShape = z.object({
  name: lowerName,
  description: z.string().min(1),
  settings: z.custom<z.ZodType>((value) => value instanceof z.ZodType, { message: 'must be a zod schema' }).optional(),
  migrations: z
    .array(
      z.object({
        id: z.string().regex(/^\d{3,}_[a-z0-9_]+$/, 'must look like 001_create_things'),
        sql: z.string().min(1),
      }),
    )
    .optional(),
  commands: z
    .array(
      z.object({
        name: z.string().min(1),
        phrases: z.array(z.string().regex(/^[a-z][a-z0-9 ]*[a-z0-9]$/, 'must be lower-case words')).min(1),
        usage: z.string().min(1),
        description: z.string().min(1),
        args: z.enum(['none', 'optional', 'required']),
        handler: isFunction,
        data: isFunction.optional(),
      }),
    )
    .optional(),
  tools: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case'),
        description: z.string().min(1),
        schema: z.custom<z.ZodObject>((value) => value instanceof z.ZodObject, {
          message: 'must be a zod object schema',
        }),
        handler: isFunction,
      }),
    )
    .optional(),
  schedules: z
    .array(
      z.object({
        name: z.string().min(1),
        cron,
        enabled: isFunction.optional(),
        catchUp: z
          .union([
            z.object({ policy: z.literal('skip') }),
            z.object({ policy: z.literal('ignore') }),
            z.object({ policy: z.literal('run-if-within'), graceMs: z.number().min(0) }),
            isFunction,
          ])
          .optional(),
        handler: isFunction,
      }),
    )
    .optional(),
  briefingSections: z
    .array(
      z.object({
        name: z.string().min(1),
        kinds: z.array(z.enum(['morning', 'weekly'])).min(1),
        order: z.number().optional(),
        render: isFunction,
      }),
    )
    .optional(),
  data: z
    .object({
      version: z.number().int().min(1),
      export: isFunction,
      import: isFunction,
      formats: z
        .array(
          z.object({
            name: lowerName,
            description: z.string().min(1),
            detect: isFunction.optional(),
            read: isFunction.optional(),
            write: isFunction.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  agentContext: isFunction.optional(),
  notices: isFunction.optional(),
  completions: isFunction.optional(),
  statusLine: isFunction.optional(),
  setup: isFunction.optional(),
  teardown: isFunction.optional(),
});

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'default export';
  return `${where} ${issue.message}`;
}

/**
 * The bundle's plugins folder, relative to the package root: set by the
 * bundler (`bin/build.js`, esbuild's `define`) in the bundled CLI, and not
 * defined at all in `src/` (vitest) or tsc's `dist/src/`.
 */
declare const STEWARD_BUNDLED_PLUGINS: string | undefined;

/**
 * The built-in plugins folder: the bundled plugins (`dist/bundle/plugins/`)
 * in the bundled CLI, `dist/plugins/` when running tsc's build, or
 * `plugins/` next to `src/` (under vitest). Bundled plugins share the
 * bundle's modules, so a plugin's `UserError` is the core's.
 */
export function defaultPluginsDirectory(): string {
  if (typeof STEWARD_BUNDLED_PLUGINS === 'string') return fromRoot(STEWARD_BUNDLED_PLUGINS);
  const built = join(packageRoot(), 'dist', 'plugins');
  const runningBuilt = import.meta.url.includes('/dist/');
  return runningBuilt && existsSync(built) ? built : fromRoot('plugins');
}

/**
 * Import and validate every plugin folder in `directory`. Each folder must
 * have an `index.js` (or `index.ts` under vitest) whose default export is a
 * {@link Plugin}. A folder that fails to import, has no index, exports the
 * wrong shape, or reuses a name is reported in `failures` and skipped.
 *
 * @param directory - the plugins folder (default {@link defaultPluginsDirectory})
 * @returns the usable plugins and the failures
 */
export async function discoverPlugins(directory = defaultPluginsDirectory()): Promise<DiscoveryResult> {
  const plugins: DiscoveredPlugin[] = [];
  const failures: PluginFailure[] = [];
  if (!existsSync(directory))
    return { plugins, failures: [{ name: directory, reason: 'plugins folder does not exist' }] };
  const folders = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
    .map((entry) => entry.name)
    .sort();
  const seen = new Set<string>();
  for (const folder of folders) {
    const pluginDirectory = join(directory, folder);
    const entry = ['index.js', 'index.ts'].map((file) => join(pluginDirectory, file)).find((file) => existsSync(file));
    if (entry === undefined) {
      failures.push({ name: folder, reason: `plugins/${folder} has no index.js (run "pnpm build")` });
      continue;
    }
    let exported: unknown;
    try {
      const module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
      exported = module.default;
    } catch (error) {
      failures.push({ name: folder, reason: `failed to import: ${describeError(error)}` });
      continue;
    }
    const checked = pluginShape.safeParse(exported);
    if (!checked.success) {
      const issues = checked.error.issues.slice(0, 3).map(formatIssue).join('; ');
      failures.push({ name: folder, reason: `invalid plugin: ${issues}` });
      continue;
    }
    const plugin = exported as Plugin;
    if (seen.has(plugin.name)) {
      failures.push({ name: folder, reason: `another plugin is already named "${plugin.name}"` });
      continue;
    }
    seen.add(plugin.name);
    plugins.push({ plugin, directory: pluginDirectory });
  }
  return { plugins, failures };
}
