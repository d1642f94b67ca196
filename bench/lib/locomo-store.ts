import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Steward } from '../../src/app/steward.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Conversation } from './locomo.js';

/** One LoCoMo conversation stored by steward in a fresh data directory. */
export interface StoredConversation {
  /** The open steward (its clock stands a day after the last session). */
  steward: Steward;
  /** The turn id of each message id. */
  turnOf: Map<number, string>;
  /** Ingest time: import, embedding and episodes, in ms. */
  ingestMs: number;
  /** Close steward and delete the data directory. */
  close: () => Promise<void>;
}

/**
 * Store a conversation the way steward stores any imported conversation:
 * `Memory.importConversations` (messages with their original times), the
 * embedding queue, then the background passes that write each session's
 * episode (with no model configured: the heuristic ones, as a new install
 * without a model would). Questions are asked a day after the last session.
 * @param conversation - the conversation
 * @param env - extra environment (the embedder)
 * @param overrides - config values merged over the defaults
 * @returns the open steward and the message → turn map
 */
export async function storeConversation(
  conversation: Conversation,
  env: Record<string, string> = {},
  overrides: Record<string, unknown> = {},
): Promise<StoredConversation> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-recall-'));
  const now = new Date(conversation.lastAt.getTime() + 86_400_000);
  const config = loadConfig({
    env: { STEWARD_DATA_DIR: dataDir, STEWARD_TIMEZONE: 'UTC', ...env },
    overrides,
    readLocalFile: false,
  });
  const steward = await Steward.open({ config, clock: { now: () => now }, log: silentLogger() });
  const started = performance.now();
  const { memory } = steward;
  memory.importConversations(conversation.batch);
  await memory.embedPending();
  while (memory.status().counts.unsummarizedSessions > 0) await memory.background();
  await memory.embedPending();
  const ingestMs = performance.now() - started;
  const ids = steward.database.prepare<[], { id: number }>('SELECT id FROM messages ORDER BY id').all();
  if (ids.length !== conversation.turnIds.length)
    throw new Error(`${conversation.id}: ${ids.length} messages stored for ${conversation.turnIds.length} turns`);
  const turnOf = new Map(ids.map((row, index) => [row.id, conversation.turnIds[index] as string]));
  return {
    steward,
    turnOf,
    ingestMs,
    close: async () => {
      await steward.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
