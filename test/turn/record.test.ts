import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/memory/conversations.js';
import { applyMigrations, readCoreMigrations } from '../../src/memory/migrations.js';
import { TurnStore, unansweredTurn } from '../../src/models/turns.js';
import { openDatabase, type Database } from '../../src/shared/database.js';
import { compose, type TurnStep } from '../../src/turn/compose.js';
import { inboundMeta, replyMeta } from '../../src/turn/meta.js';
import { recordInbound, recordStep, type TurnRecords } from '../../src/turn/record.js';
import { TurnState } from '../../src/turn/state.js';
import { manualClock, temporaryDataDir } from '../support/steward.js';

describe('recording a turn', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** Real stores on a fresh database; memory's two calls are listed in `heard`. */
  function setup(): { records: TurnRecords; database: Database; heard: string[]; sessionId: number } {
    const { dataDir, remove } = temporaryDataDir();
    const database = openDatabase(dataDir);
    applyMigrations(database, readCoreMigrations());
    cleanups.push(() => {
      database.close();
      remove();
    });
    const heard: string[] = [];
    const conversations = new ConversationStore(database, manualClock());
    const records: TurnRecords = {
      conversations,
      turns: new TurnStore(database),
      memory: {
        beginTurn: (inboundId) => heard.push(`begin ${inboundId}`),
        afterTurn: (turn) => heard.push(`after ${turn.inboundId} ${turn.kind} model=${turn.modelTurn}`),
      },
    };
    return { records, database, heard, sessionId: conversations.startSession('repl', 'owner') };
  }

  function turnOf(records: TurnRecords, sessionId: number, text: string): TurnState {
    return new TurnState({
      message: { channel: 'repl', sender: 'owner', text, receivedAt: new Date() },
      options: {},
      sessionId,
      store: (accepted) => recordInbound(records, accepted),
    });
  }

  function rows(database: Database): Array<{ role: string; text: string; meta: Record<string, unknown> }> {
    return database
      .prepare<[], { role: string; text: string; meta: string }>('SELECT role, text, meta FROM messages ORDER BY id')
      .all()
      .map((row) => ({ role: row.role, text: row.text, meta: JSON.parse(row.meta) as Record<string, unknown> }));
  }

  it('stores the command line marked, and the reply without colours, and tells memory', async () => {
    const { records, database, heard, sessionId } = setup();
    const command: TurnStep = (turn) => {
      turn.accept('habits:check-in');
      turn.reply = { text: '\u001b[32mChecked in meditation.\u001b[39m', kind: 'command', notices: [] };
      return Promise.resolve();
    };
    const state = turnOf(records, sessionId, 'check in meditation');
    await compose([recordStep(records), command])(state);
    expect(rows(database)).toEqual([
      { role: 'user', text: 'check in meditation', meta: { command: 'habits:check-in' } },
      { role: 'assistant', text: 'Checked in meditation.', meta: { command: 'habits:check-in', kind: 'command' } },
    ]);
    expect(heard).toEqual([`begin ${state.inboundId}`, `after ${state.inboundId} command model=false`]);
  });

  it('keeps the message and tells memory the turn ended when a step fails with a fault', async () => {
    const { records, database, heard, sessionId } = setup();
    const fails: TurnStep = (turn) => {
      turn.accept();
      return Promise.reject(new Error('disk I/O error'));
    };
    const state = turnOf(records, sessionId, 'hello');
    await expect(compose([recordStep(records), fails])(state)).rejects.toThrow('disk I/O error');
    expect(rows(database)).toEqual([{ role: 'user', text: 'hello', meta: {} }]);
    expect(heard).toEqual([`begin ${state.inboundId}`, `after ${state.inboundId} error model=false`]);
  });

  it('says so when no step answered', async () => {
    const { records, sessionId } = setup();
    await expect(compose([recordStep(records)])(turnOf(records, sessionId, 'hello'))).rejects.toThrow(
      'no step answered the turn',
    );
  });

  it('stores the model turn with the id of its reply, for /why', async () => {
    const { records, database, sessionId } = setup();
    const agent: TurnStep = (turn) => {
      const inboundId = turn.accept();
      const decision = {
        tier: 'fast' as const,
        source: 'turn-override' as const,
        reason: '/fast',
        score: 0.1,
        elapsedMs: 0,
      };
      const base = { purpose: 'chat' as const, sessionId, inboundId, channel: 'repl', decision, startedAt: '' };
      turn.modelTurn = unansweredTurn(base, 'cancelled', new Error('cancelled'), { startedMs: 0, notices: [] });
      turn.reply = { text: '(cancelled)', kind: 'cancelled', notices: [] };
      return Promise.resolve();
    };
    await compose([recordStep(records), agent])(turnOf(records, sessionId, '/fast hello'));
    const stored = rows(database);
    expect(stored[0]).toEqual({ role: 'user', text: 'hello', meta: { tierOverride: 'fast' } });
    expect(stored[1]?.meta).toEqual({ tierSource: 'turn-override', kind: 'cancelled' });
    const replyId = database.prepare<[], { id: number }>("SELECT id FROM messages WHERE role = 'assistant'").get()?.id;
    expect(new TurnStore(database).lastOfSession(sessionId)).toMatchObject({ outcome: 'cancelled', replyId });
  });
});

describe('message meta', () => {
  it('marks a command line, but a /fast or /quality line keeps its tier override instead', () => {
    expect(inboundMeta({ kind: 'none', text: 'check in meditation' }, 'habits:check-in')).toEqual({
      command: 'habits:check-in',
    });
    expect(inboundMeta({ kind: 'turn', tier: 'quality', text: 'plan my week' }, undefined)).toEqual({
      tierOverride: 'quality',
    });
    expect(inboundMeta({ kind: 'none', text: 'hello' }, undefined)).toBeUndefined();
  });

  it('builds the reply meta of a model reply: provider, tier, local or cloud, fallbacks, notices', () => {
    const state = new TurnState({
      message: { channel: 'signal', sender: '+15551112222', text: 'hello', receivedAt: new Date() },
      options: {},
      sessionId: 1,
      store: () => 1,
    });
    state.reply = {
      text: 'Hello.',
      kind: 'agent',
      via: {
        provider: 'openai-fast',
        tier: 'fast',
        kind: 'cloud',
        fallbackFrom: [{ provider: 'local-fast', reason: 'connection refused' }],
      },
      notices: ['local-fast stopped mid-reply'],
    };
    expect(replyMeta(state)).toEqual({
      provider: 'openai-fast',
      tier: 'fast',
      via: 'cloud',
      fallbackFrom: [{ provider: 'local-fast', reason: 'connection refused' }],
      notices: ['local-fast stopped mid-reply'],
      kind: 'agent',
    });
  });
});
