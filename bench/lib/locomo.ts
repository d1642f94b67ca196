import { existsSync, readFileSync } from 'node:fs';
import type { ImportBatch, ImportedMessage } from '../../src/memory/index.js';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * Reading LoCoMo (Maharana et al., "Evaluating Very Long-Term
 * Conversational Memory of LLM Agents", ACL 2024; snap-research/LoCoMo,
 * CC BY-NC 4.0) for the recall benchmark: each conversation as an import
 * batch, and its questions with their evidence turns. The data is never
 * copied into this repository.
 */

/** Where the development half is looked for (`BENCH_LOCOMO` overrides it). */
export const LOCOMO_DEV = process.env.BENCH_LOCOMO ?? fromRoot('..', 'shared', 'data', 'locomo', 'locomo-dev.json');

/** LoCoMo's question categories. */
export const CATEGORIES: Record<number, string> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
  5: 'adversarial',
};

interface Turn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

interface Sample {
  sample_id: string;
  conversation: Record<string, unknown> & { speaker_a: string; speaker_b: string };
  qa: Array<{ question: string; evidence: string[]; category: number }>;
}

/** One question with the turns that hold its answer. */
export interface Question {
  /** The conversation. */
  conversation: string;
  /** The question. */
  text: string;
  /** LoCoMo category, 1–5. */
  category: number;
  /** Evidence turns (`D3:14`), normalised, each existing in the conversation. */
  evidence: string[];
}

/** One conversation, ready to import. */
export interface Conversation {
  /** `conv-26`. */
  id: string;
  /** Its sessions as one import batch (source `locomo`). */
  batch: ImportBatch;
  /** The turn id of each message, in import order (session by session). */
  turnIds: string[];
  /** The last session's time: the benchmark asks its questions a day later. */
  lastAt: Date;
  /** Its questions that have evidence left. */
  questions: Question[];
}

/** What normalising the evidence lists did. */
export interface EvidenceReport {
  /** Questions in the file. */
  questions: number;
  /** Evidence ids rewritten into the `D<session>:<turn>` form ("D:11:26", "D30:05", "D8:6; D9:17"). */
  normalised: number;
  /** Evidence ids dropped: not an id at all, or a turn that does not exist. */
  dropped: string[];
  /** Questions left with no evidence, left out of the scores. */
  questionsDropped: number;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/**
 * A LoCoMo session time ("1:56 pm on 8 May, 2023"), read as UTC.
 * @throws Error when the text is not in that form
 */
function sessionTime(text: string): Date {
  const match = /^(\d{1,2}):(\d{2}) ?(am|pm) on (\d{1,2}) (\w+),? (\d{4})$/i.exec(text.trim());
  const month = MONTHS.indexOf(match?.[5]?.toLowerCase() ?? '');
  if (match === null || month < 0) throw new Error(`LoCoMo: unreadable session time "${text}"`);
  const hour = (Number(match[1]) % 12) + (match[3]?.toLowerCase() === 'pm' ? 12 : 0);
  return new Date(Date.UTC(Number(match[6]), month, Number(match[4]), hour, Number(match[2])));
}

/** Seconds between two turns of a session (LoCoMo dates sessions, not turns). */
const TURN_SECONDS = 30;

/**
 * Normalise one evidence entry into turn ids: "D8:6; D9:17" is two ids,
 * "D:11:26" is D11:26, "D30:05" is D30:5; anything else is not an id.
 */
function evidenceIds(raw: string): { ids: string[]; rewritten: boolean; junk: string[] } {
  const ids: string[] = [];
  const junk: string[] = [];
  const parts = raw.split(/[;,\s]+/).filter((part) => part !== '');
  for (const part of parts) {
    const match = /^D:?(\d+):0*(\d+)$/.exec(part);
    if (match === null) junk.push(part);
    else ids.push(`D${Number(match[1])}:${Number(match[2])}`);
  }
  return { ids, rewritten: parts.length !== 1 || ids[0] !== raw, junk };
}

/**
 * Read the LoCoMo file: each conversation as an import batch (one
 * conversation per session, `speaker_a` as the owner and `speaker_b` on
 * the other side; a shared photo's caption added to its turn as
 * "[photo: …]"), with its questions and their normalised evidence.
 * @param file - the LoCoMo JSON file
 * @returns the conversations, and what normalising the evidence did
 * @throws Error when the file is missing (with where to put it) or is not LoCoMo
 */
export function readLocomo(file = LOCOMO_DEV): { conversations: Conversation[]; evidence: EvidenceReport } {
  if (!existsSync(file))
    throw new Error(
      `LoCoMo data not found at ${file}.\n` +
        'Put the development half (locomo-dev.json: conv-26, conv-30, conv-41, conv-42, conv-43 of snap-research/LoCoMo data/locomo10.json, CC BY-NC 4.0) there,\n' +
        'or set BENCH_LOCOMO to its path. Never commit it to this repository.',
    );
  const samples = JSON.parse(readFileSync(file, 'utf8')) as Sample[];
  const report: EvidenceReport = { questions: 0, normalised: 0, dropped: [], questionsDropped: 0 };
  const conversations = samples.map((sample): Conversation => {
    const { conversation } = sample;
    const sessions = Object.keys(conversation)
      .map((key) => /^session_(\d+)$/.exec(key))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((left, right) => left - right);
    const turnIds: string[] = [];
    let lastAt = new Date(0);
    const batch: ImportBatch = {
      source: 'locomo',
      conversations: sessions.map((number) => {
        const start = sessionTime(String(conversation[`session_${number}_date_time`]));
        if (start > lastAt) lastAt = start;
        const turns = conversation[`session_${number}`] as Turn[];
        const messages = turns.map((turn, index): ImportedMessage => {
          turnIds.push(turn.dia_id);
          const caption = turn.blip_caption === undefined ? '' : ` [photo: ${turn.blip_caption}]`;
          return {
            role: turn.speaker === conversation.speaker_a ? 'user' : 'assistant',
            speaker: turn.speaker,
            text: `${turn.text}${caption}`,
            at: new Date(start.getTime() + index * TURN_SECONDS * 1000),
          };
        });
        return { externalId: `${sample.sample_id}:session_${number}`, title: `session ${number}`, messages };
      }),
    };
    const known = new Set(turnIds);
    const questions: Question[] = [];
    for (const qa of sample.qa) {
      report.questions += 1;
      const evidence = new Set<string>();
      for (const raw of qa.evidence) {
        const { ids, rewritten, junk } = evidenceIds(raw);
        if (rewritten && ids.length > 0) report.normalised += 1;
        report.dropped.push(...junk.map((part) => `${sample.sample_id} "${part}"`));
        for (const id of ids) {
          if (known.has(id)) evidence.add(id);
          else report.dropped.push(`${sample.sample_id} ${id} (no such turn)`);
        }
      }
      if (evidence.size === 0) {
        report.questionsDropped += 1;
        continue;
      }
      questions.push({
        conversation: sample.sample_id,
        text: qa.question,
        category: qa.category,
        evidence: [...evidence],
      });
    }
    return { id: sample.sample_id, batch, turnIds, lastAt, questions };
  });
  return { conversations, evidence: report };
}
