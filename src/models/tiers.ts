import type { Tier } from './providers.js';

/**
 * Where a turn's tier came from:
 * - `turn-override`: the message started with `/fast` or `/quality`;
 * - `session-override`: the REPL session was set with a bare `/fast` or `/quality`;
 * - `caller`: the code asked for a tier (briefings and reviews ask for quality);
 * - `classifier`: the deterministic rules of {@link classifyTier};
 * - `router-model`: the optional small router model.
 */
export type TierSource = 'turn-override' | 'session-override' | 'caller' | 'classifier' | 'router-model';

/** The tier chosen for one turn, and why. Stored with the turn and shown by `/why`. */
export interface TierDecision {
  /** `fast` or `quality`. */
  tier: Tier;
  /** Who decided. */
  source: TierSource;
  /** One line a person can read, for example `planning cue "plan my week"; 2 questions`. */
  reason: string;
  /** The rules' score, 0–1 (quality from {@link TierRules.qualityThreshold}), or null when the rules did not run. */
  score: number | null;
  /** How long the decision took, in ms. */
  elapsedMs: number;
}

/** Settings of {@link classifyTier}. */
export interface TierRules {
  /** Score (0–1) from which a turn goes to quality (default 0.5). */
  qualityThreshold: number;
}

/** The default rules. */
export const DEFAULT_TIER_RULES: TierRules = { qualityThreshold: 0.5 };

interface Cue {
  /** Category named in the reason. */
  category: 'planning' | 'analysis' | 'writing' | 'code' | 'review';
  /** Pattern (case-insensitive). */
  pattern: RegExp;
  /** Weight added to the score when it matches. */
  weight: number;
}

// Strong cues (0.5) send a turn to quality on their own; weak ones (0.25) need company.
const CUES: readonly Cue[] = [
  {
    category: 'planning',
    pattern:
      /\b(plan (?:my|a|an|the|our|out|for|how|what|when|where|to|this|next|it)|planning|roadmap|itinerary|timeline|prioriti[sz]e|reorgani[sz]e)\b/i,
    weight: 0.5,
  },
  {
    category: 'planning',
    pattern:
      /\b(step[- ]by[- ]step|break (?:it|this|that) down|strategy|schedule (?:my|the|a)|organi[sz]e (?:my|the))\b/i,
    weight: 0.5,
  },
  {
    category: 'review',
    pattern: /\b(review|retrospective|reflect on|look back (?:at|on)|how did (?:my|i do|last))\b/i,
    weight: 0.5,
  },
  {
    category: 'analysis',
    pattern:
      /\b(analy[sz]e|analysis|compare|comparison|pros and cons|trade-?offs?|evaluate|assess|root cause|implications?|in depth|in detail)\b/i,
    weight: 0.5,
  },
  {
    category: 'analysis',
    pattern: /\b(explain|why (?:do|does|did|is|are|would|should)|what if|difference between)\b/i,
    weight: 0.25,
  },
  { category: 'writing', pattern: /\b(write|draft|rewrite|compose|proofread|paraphrase|translate)\b/i, weight: 0.5 },
  {
    category: 'writing',
    pattern: /\b(summari[sz]e|outline|essay|cover letter|blog post|speech|poem)\b/i,
    weight: 0.25,
  },
  {
    category: 'code',
    pattern:
      /```|\b(code|function|script|debug|refactor|regex|sql|typescript|javascript|python|compile|stack ?trace|exception)\b/i,
    weight: 0.5,
  },
];

// Phrases that mean an action on habits or goals (a tool call).
const ACTIONS: readonly RegExp[] = [
  /\b(check(?:ed)? in|log(?:ged)?|mark(?:ed)?|record(?:ed)?)\b/gi,
  /\bi (?:went|ran|walked|meditated|read|did|finished|completed|worked out|exercised|swam|cycled|practi[sc]ed|studied|wrote)\b/gi,
  /\b(?:progress|milestone|add (?:a )?habit|set (?:a )?goal|\d{1,3} ?%)\b/gi,
];

function countWords(text: string): number {
  const matches = text.match(/\S+/g);
  return matches === null ? 0 : matches.length;
}

function countQuestions(text: string): number {
  const marks = text.match(/\?+/g);
  return marks === null ? 0 : marks.length;
}

function countActions(text: string): number {
  let count = 0;
  for (const pattern of ACTIONS) {
    pattern.lastIndex = 0;
    const matches = text.match(pattern);
    if (matches !== null) count += matches.length;
  }
  return count;
}

function quote(text: string): string {
  const trimmed = text.trim();
  return `"${trimmed.length > 24 ? `${trimmed.slice(0, 24)}…` : trimmed}"`;
}

/**
 * Choose a tier for one message with fixed rules: fast, deterministic
 * (well under 1 ms), and explainable. It scores, 0–1:
 *
 * - length: 60+ words 0.25, 150+ words 0.5;
 * - questions asked: 2 → 0.25, 3 or more → 0.5;
 * - cues of planning, review, analysis, writing or code: 0.5 for a strong
 *   cue ("plan", "compare", "draft", a code fence), 0.25 for a weak one
 *   ("explain", "summarize");
 * - tools needed: 2 or more habit or goal actions → 0.25 (one action, such
 *   as "I went for a run", is a quick tool call: fast).
 *
 * A score at or above the threshold (0.5) means quality. The idea of a
 * cheap rule-based router in front of the models is RouteLLM's and
 * Martian's, without their trained classifier.
 *
 * @param text - the owner's message
 * @param rules - the threshold
 * @returns the decision, with the cues that fired as its reason
 */
export function classifyTier(text: string, rules: TierRules = DEFAULT_TIER_RULES): TierDecision {
  const started = performance.now();
  const signals: string[] = [];
  let score = 0;
  const words = countWords(text);
  if (words >= 150) {
    score += 0.5;
    signals.push(`long message (${words} words)`);
  } else if (words >= 60) {
    score += 0.25;
    signals.push(`longer message (${words} words)`);
  }
  const questions = countQuestions(text);
  if (questions >= 3) {
    score += 0.5;
    signals.push(`${questions} questions`);
  } else if (questions === 2) {
    score += 0.25;
    signals.push('2 questions');
  }
  const seen = new Set<string>();
  for (const cue of CUES) {
    if (seen.has(cue.category)) continue;
    const match = cue.pattern.exec(text);
    if (match === null) continue;
    seen.add(cue.category);
    score += cue.weight;
    signals.push(`${cue.category} cue ${quote(match[0])}`);
  }
  const actions = countActions(text);
  if (actions >= 2) {
    score += 0.25;
    signals.push(`${actions} habit or goal actions (tools)`);
  } else if (actions === 1) {
    signals.push('one habit or goal action (a quick tool call)');
  }
  score = Math.min(1, Math.round(score * 100) / 100);
  const tier: Tier = score >= rules.qualityThreshold ? 'quality' : 'fast';
  const described =
    signals.length > 0
      ? signals.join('; ')
      : `short message (${words} word${words === 1 ? '' : 's'}), no planning, analysis, writing or code cues`;
  return {
    tier,
    source: 'classifier',
    reason: `${described} (score ${score.toFixed(2)}, quality from ${rules.qualityThreshold.toFixed(2)})`,
    score,
    elapsedMs: performance.now() - started,
  };
}
