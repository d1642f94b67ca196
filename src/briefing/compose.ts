import { renderPrompt } from '../shared/prompts.js';
import { completeText } from '../models/chat.js';
import type { ModelRouter } from '../models/router.js';
import { answeredTurn, unansweredTurn, type NewTurn } from '../models/turns.js';
import type { Briefing, BriefingKind, BriefingSection } from '../plugins/api.js';
import type { PluginHost } from '../plugins/host.js';
import { describeError, NoModelAvailableError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { IsoDate } from '../shared/time.js';

/** Inputs of {@link composeBriefing}. */
export interface ComposeBriefingOptions {
  /** `morning` or `weekly`. */
  kind: BriefingKind;
  /** The owner's local day. */
  today: IsoDate;
  /** Source of the sections. */
  plugins: PluginHost;
  /** Model router (the quality tier writes the briefing). */
  router: ModelRouter;
  /** Sampling temperature. */
  temperature: number;
  /** Logger. */
  log: Logger;
  /** Cancels the model call. */
  signal?: AbortSignal | undefined;
  /** Stores the model turn's metrics (the router's `turns` table). */
  recordTurn?: ((turn: Omit<NewTurn, 'startedAt'>) => void) | undefined;
}

const TITLES: Record<BriefingKind, string> = { morning: 'Good morning', weekly: 'Your week' };

/**
 * The plain rendering of a briefing: every section's title and lines, as
 * they are. Used when no model answers, and given to the model as its input.
 * @param kind - `morning` or `weekly`
 * @param today - the owner's day
 * @param sections - the sections, in order
 */
export function renderBriefingTemplate(
  kind: BriefingKind,
  today: IsoDate,
  sections: readonly BriefingSection[],
): string {
  const lines = [`${TITLES[kind]} — ${today}`];
  if (sections.length === 0) {
    lines.push(
      '',
      'Nothing to report: no habits or goals yet. Try "add habit meditation daily" or "set goal run a marathon by 2027-05-01".',
    );
  }
  for (const section of sections) {
    lines.push('', `${section.title}:`, ...section.lines.map((line) => `- ${line}`));
  }
  return lines.join('\n');
}

/**
 * Build a briefing: collect every plugin's sections, have the quality tier
 * write them up (`prompts/briefing-<kind>.md`), and fall back to the plain
 * template, marked as such, when no model answers or a model answers with
 * nothing usable.
 *
 * @param options - kind, day, plugins and router
 * @returns the briefing; never throws for model failures
 */
export async function composeBriefing(options: ComposeBriefingOptions): Promise<Briefing> {
  const sections = await options.plugins.briefingSections(options.kind, options.today);
  const template = renderBriefingTemplate(options.kind, options.today, sections);
  const started = performance.now();
  const decision = {
    tier: 'quality' as const,
    source: 'caller' as const,
    reason: 'briefings go to quality',
    score: null,
    elapsedMs: 0,
  };
  const base = {
    purpose: 'briefing' as const,
    sessionId: null,
    inboundId: null,
    replyId: null,
    channel: null,
    decision,
  };
  try {
    const routed = await options.router.run(
      'quality',
      (provider, attempt) =>
        completeText(
          provider,
          [
            { role: 'system', content: renderPrompt(`briefing-${options.kind}`, { day: options.today }) },
            { role: 'user', content: template },
          ],
          { temperature: options.temperature, signal: attempt.signal, log: options.log, meter: attempt.meter },
        ),
      { signal: options.signal },
    );
    options.recordTurn?.(
      answeredTurn(base, routed, { startedMs: started, firstTokenMs: routed.meter.firstContentAt, notices: [] }),
    );
    return { kind: options.kind, day: options.today, text: routed.value, sections, writtenBy: routed.provider.id };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    const reason = error instanceof NoModelAvailableError ? 'no model answered' : describeError(error);
    options.recordTurn?.(unansweredTurn(base, 'failed', error, { startedMs: started, notices: [] }));
    const text = `${template}\n\n(Plain rendering: ${reason}.)`;
    return { kind: options.kind, day: options.today, text, sections, writtenBy: 'template' };
  }
}
