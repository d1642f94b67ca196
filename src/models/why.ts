import type { TurnRecord } from './turns.js';

const SOURCES: Record<TurnRecord['decision']['source'], string> = {
  'turn-override': 'by your override',
  'session-override': 'by the session override',
  caller: 'by steward',
  classifier: 'by the rules',
  'router-model': 'by the router model',
};

function milliseconds(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function clock(instant: string, timeZone: string): string {
  return new Date(instant).toLocaleString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * The text of `/why`: how the model turn was routed, in a few lines: the
 * tier and who chose it and why, the provider that answered and the ones
 * skipped before it, and the time to first token, total time and tokens.
 *
 * @param turn - the stored turn, or undefined when there is none
 * @param options - the owner's IANA zone, and a note on where the turn comes from
 * @returns lines of plain text
 */
export function formatWhy(turn: TurnRecord | undefined, options: { timeZone: string; note?: string }): string {
  if (turn === undefined) {
    return 'No model turn yet: commands such as "check in" are answered without a model. Ask me something, then /why.';
  }
  const lines: string[] = [];
  const what = turn.purpose === 'briefing' ? 'Briefing' : 'Last model turn';
  lines.push(
    `${what} at ${clock(turn.startedAt, options.timeZone)}${options.note === undefined ? '' : ` ${options.note}`}:`,
  );
  const decision = turn.decision;
  lines.push(`tier      ${decision.tier}, chosen ${SOURCES[decision.source]}: ${decision.reason}`);
  const skipped = turn.fallbackFrom.map((attempt) => `${attempt.provider} (${attempt.reason})`).join(', ');
  if (turn.outcome === 'answered') {
    const kind = turn.providerKind === 'cloud' ? 'cloud' : 'local';
    lines.push(
      `answered  by ${turn.provider ?? '?'} (${kind}, model ${turn.model ?? '?'})${skipped === '' ? '' : ` after ${skipped}`}`,
    );
  } else if (turn.outcome === 'cancelled') {
    lines.push(`cancelled${skipped === '' ? '' : ` after ${skipped}`}`);
  } else {
    lines.push(`no answer ${turn.error ?? (skipped === '' ? 'no provider could be tried' : `tried ${skipped}`)}`);
  }
  for (const notice of turn.notices) lines.push(`notice    ${notice}`);
  const timing = [
    turn.firstTokenMs === null ? undefined : `first token after ${milliseconds(turn.firstTokenMs)}`,
    `done after ${milliseconds(turn.totalMs)}`,
    `tier chosen in ${decision.elapsedMs < 1 ? `${decision.elapsedMs.toFixed(2)} ms` : milliseconds(decision.elapsedMs)}`,
  ].filter((part): part is string => part !== undefined);
  lines.push(`time      ${timing.join(', ')}`);
  if (turn.outcome === 'answered') {
    const tokens =
      turn.promptTokens === null && turn.completionTokens === null
        ? 'not reported by the server'
        : `${turn.promptTokens ?? '?'} prompt + ${turn.completionTokens ?? '?'} completion`;
    lines.push(`tokens    ${tokens}; ${turn.modelRequests} model request${turn.modelRequests === 1 ? '' : 's'}`);
  }
  return lines.join('\n');
}
