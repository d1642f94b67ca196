import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * The import graph of src/ and plugins/, read by dependency-cruiser (type-only
 * imports included: they tie layers together as much as any other), checked
 * against the layers of STYLE.md point 14. A failure message lists what to
 * fix, file by file.
 */

/**
 * The layers, lowest first. A folder may import from its own layer (without
 * making a cycle) and from the layers below it. Every folder of src/ must be
 * placed here.
 */
const LAYERS: ReadonlyArray<readonly string[]> = [
  // Errors, logger, time, the database handle, prompts, name resolution, the message shapes: nothing of steward below.
  ['src/shared'],
  // The zod schema and the loader.
  ['src/config'],
  // Providers, the router, health and breakers, the stored turns.
  ['src/models'],
  // Conversations, episodes, facts, embeddings, recall.
  ['src/memory'],
  // The plugin API (api.ts), the loader and the host.
  ['src/plugins'],
  // What runs on top of plugins and models: the agent and the turn pipeline, the briefing
  // (plugins' sections written by a model), the scheduler (plugins' jobs), and the owner's
  // data going out and in (exports, imports, backups: core records and the plugins' own).
  ['src/agent', 'src/turn', 'src/briefing', 'src/scheduler', 'src/data'],
  // The REPL, Signal and the outbox: they hand messages to a TurnHandler (src/turn/types.ts).
  ['src/channels'],
  // The composition root: Steward wires everything above and hands out services.
  ['src/app'],
  // The long-running process around an open Steward.
  ['src/daemon'],
  // `steward init`'s discovery: model servers, signal-cli, the choices as config keys.
  ['src/setup'],
  // The command line: opens a Steward and runs a command, the REPL or the daemon.
  ['src/cli'],
];

/** Arrows between src/ folders that may point up the layers (the issue's budget; today there are none). */
const MAX_BACK_ARROWS = 2;

/**
 * Imports from src/ by built-in plugins other than src/plugins/api.ts and
 * src/shared/, as `plugin file -> src file`. They are the plugin API's
 * debts: THIS LIST MUST END EMPTY. Each is removed when the plugin gets the
 * same thing through its PluginContext; an entry that no longer occurs fails
 * the test, so the list only shrinks.
 */
const PLUGIN_IMPORT_EXCEPTIONS: readonly string[] = [];

/** One import between two of our files. */
interface Arrow {
  from: string;
  to: string;
}

/** `src/<folder>` or `plugins/<plugin>` of a file. */
function folderOf(file: string): string {
  return file.split('/').slice(0, 2).join('/');
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

const ours = (file: string): boolean => file.startsWith('src/') || file.startsWith('plugins/');

async function readGraph(): Promise<{ result: ICruiseResult; arrows: Arrow[] }> {
  const { output } = await cruise(
    ['src', 'plugins'],
    {
      baseDir: fromRoot(),
      tsPreCompilationDeps: true,
      tsConfig: { fileName: fromRoot('tsconfig.json') },
      doNotFollow: { path: 'node_modules' },
      exclude: { path: 'node_modules' },
    },
    {},
    { tsConfig: extractTSConfig(fromRoot('tsconfig.json')) },
  );
  if (typeof output === 'string') throw new Error('dependency-cruiser returned text, not a result');
  const arrows: Arrow[] = [];
  for (const module of output.modules) {
    if (!ours(module.source)) continue;
    for (const dependency of module.dependencies) {
      if (dependency.couldNotResolve || !ours(dependency.resolved)) continue;
      arrows.push({ from: module.source, to: dependency.resolved });
    }
  }
  return { result: output, arrows };
}

/**
 * Groups of folders that import each other round in a circle: the strongly
 * connected components of more than one folder (Tarjan's algorithm).
 */
function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components;
}

/**
 * Imports of built-in plugins that reach into src/ past the plugin API.
 * @param arrows - every import between our files
 * @returns `plugin file -> src file`, sorted
 */
function pluginImportsPastTheApi(arrows: readonly Arrow[]): string[] {
  const allowed = (to: string): boolean => to === 'src/plugins/api.ts' || to.startsWith('src/shared/');
  const found = arrows
    .filter((arrow) => arrow.from.startsWith('plugins/') && arrow.to.startsWith('src/') && !allowed(arrow.to))
    .map((arrow) => `${arrow.from} -> ${arrow.to}`);
  return [...new Set(found)].sort();
}

describe('the import graph (STYLE.md point 14: no cycles, layers that only look down)', () => {
  let graph: { result: ICruiseResult; arrows: Arrow[] };
  beforeAll(async () => {
    graph = await readGraph();
  }, 60_000);

  it('reads the whole tree', () => {
    expect(graph.result.summary.totalCruised).toBeGreaterThan(100);
    expect(graph.arrows.length).toBeGreaterThan(300);
  });

  it('has no import cycle between files', () => {
    const cycles = new Map<string, string>();
    for (const module of graph.result.modules) {
      if (!ours(module.source)) continue;
      for (const dependency of module.dependencies.filter((candidate) => candidate.circular)) {
        const path = [module.source, ...(dependency.cycle ?? []).map((step) => step.name)];
        cycles.set([...new Set(path)].sort().join(' '), path.join(' -> '));
      }
    }
    const found = [...cycles.values()];
    expect(found, `import cycles:\n${found.join('\n')}`).toEqual([]);
  });

  it('places every folder of src/ in a layer', () => {
    const folders = [...new Set(graph.arrows.flatMap((arrow) => [arrow.from, arrow.to]).map(folderOf))];
    const unplaced = folders.filter((folder) => folder.startsWith('src/') && layerOf(folder) === -1);
    expect(unplaced, 'add these folders to LAYERS in test/architecture/imports.test.ts').toEqual([]);
  });

  it('has no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of graph.arrows) {
      if (folderOf(from) === folderOf(to)) continue;
      const targets = edges.get(folderOf(from)) ?? new Set<string>();
      targets.add(folderOf(to));
      edges.set(folderOf(from), targets);
    }
    const cycles = folderCycles(edges);
    const report = cycles.map((cycle) => {
      const files = graph.arrows
        .filter((arrow) => folderOf(arrow.from) !== folderOf(arrow.to))
        .filter((arrow) => cycle.includes(folderOf(arrow.from)) && cycle.includes(folderOf(arrow.to)));
      const lines = files.map((arrow) => {
        const up = layerOf(folderOf(arrow.to)) > layerOf(folderOf(arrow.from)) ? '   <- points up the layers' : '';
        return `  ${arrow.from} -> ${arrow.to}${up}`;
      });
      return `${cycle.join(' <-> ')}:\n${lines.join('\n')}`;
    });
    expect(cycles, `folders that import each other:\n${report.join('\n')}`).toEqual([]);
  });

  it(`has at most ${MAX_BACK_ARROWS} arrows between src/ folders that point up the layers`, () => {
    const back = new Map<string, string[]>();
    for (const { from, to } of graph.arrows) {
      const [source, target] = [folderOf(from), folderOf(to)];
      if (!source.startsWith('src/') || !target.startsWith('src/') || source === target) continue;
      if (layerOf(target) <= layerOf(source)) continue;
      back.set(`${source} -> ${target}`, [...(back.get(`${source} -> ${target}`) ?? []), `${from} -> ${to}`]);
    }
    const report = [...back].map(([arrow, files]) => `${arrow}\n${files.map((file) => `  ${file}`).join('\n')}`);
    expect(
      back.size,
      `arrows that point up the layers (move the imported thing down, or pass it in through an interface):\n${report.join('\n')}`,
    ).toBeLessThanOrEqual(MAX_BACK_ARROWS);
  });

  it('lets built-in plugins import from src/ only src/plugins/api.ts and src/shared/ (known exceptions listed)', () => {
    const found = pluginImportsPastTheApi(graph.arrows);
    const unexpected = found.filter((entry) => !PLUGIN_IMPORT_EXCEPTIONS.includes(entry));
    const stale = PLUGIN_IMPORT_EXCEPTIONS.filter((entry) => !found.includes(entry));
    expect(
      unexpected,
      `plugins reach past the plugin API; use the PluginContext instead:\n${unexpected.join('\n')}`,
    ).toEqual([]);
    expect(stale, `no longer imported: remove from PLUGIN_IMPORT_EXCEPTIONS:\n${stale.join('\n')}`).toEqual([]);
  });
});
