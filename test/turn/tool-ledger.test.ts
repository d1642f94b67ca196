import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HostedTool } from '../../src/plugins/host.js';
import { ToolLedger } from '../../src/turn/tool-ledger.js';

describe('the tool ledger of one turn', () => {
  function checkInTool(runs: unknown[]): HostedTool {
    return {
      plugin: 'habits',
      tool: {
        name: 'habit_check_in',
        description: 'Check in a habit',
        schema: z.object({ habit: z.string() }),
        handler: () => 'unused: run below is the hosted call',
      },
      run: (args) => {
        runs.push(args);
        return Promise.resolve(`Checked in ${(args as { habit: string }).habit}.`);
      },
    };
  }

  it('runs a call once: the same call again (after a provider failed) is answered from the ledger', async () => {
    const runs: unknown[] = [];
    const ledger = new ToolLedger([checkInTool(runs)]);
    const [tool] = ledger.tools;
    expect(await tool?.run({ habit: 'meditation' })).toBe('Checked in meditation.');
    expect(await tool?.run({ habit: 'meditation' })).toBe(
      '(already done earlier in this turn; not repeated) Checked in meditation.',
    );
    expect(await tool?.run({ habit: 'run' })).toBe('Checked in run.');
    expect(runs).toEqual([{ habit: 'meditation' }, { habit: 'run' }]);
  });

  it('tells the next model what was carried out, and nothing when no tool ran', async () => {
    const ledger = new ToolLedger([checkInTool([])]);
    expect(ledger.carriedOut()).toBe('');
    await ledger.tools[0]?.run({ habit: 'meditation' });
    expect(ledger.carriedOut()).toContain('these tool calls were already carried out. Do not call them again');
    expect(ledger.carriedOut()).toContain('- habit_check_in({"habit":"meditation"}) → Checked in meditation.');
    expect(ledger.entries).toHaveLength(1);
  });
});
