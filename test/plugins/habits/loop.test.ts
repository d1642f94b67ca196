import { describe, expect, it } from 'vitest';
import { toDayNumber } from '../../../plugins/habits/days.js';
import { buildIntervals, computeEntries, snapIntervalsTogether, type Entry } from '../../../plugins/habits/entries.js';
import {
  DAILY,
  describeFrequency,
  parseFrequency,
  parseHabitSpec,
  parseTimeOfDay,
  type Frequency,
} from '../../../plugins/habits/frequency.js';
import { renderHeatmap } from '../../../plugins/habits/heatmap.js';
import { analyseHabit } from '../../../plugins/habits/report.js';
import type { Habit } from '../../../plugins/habits/store.js';
import { findStreaks } from '../../../plugins/habits/streaks.js';
import { strengthMultiplier, strengthSeries } from '../../../plugins/habits/strength.js';

// Calendar used below: 2026-11-02, 2026-11-09 and 2026-11-16 are Mondays; 2026-11-21 is a Saturday.
const threePerWeek: Frequency = { num: 3, den: 7, weekdays: null };
const weekly: Frequency = { num: 1, den: 7, weekdays: null };
const monthly: Frequency = { num: 1, den: 30, weekdays: null };
const monWedFri: Frequency = { num: 1, den: 1, weekdays: [1, 3, 5] };

const done = (...days: string[]): Entry[] => days.map((day) => ({ day, kind: 'done' }));
const skipped = (...days: string[]): Entry[] => days.map((day) => ({ day, kind: 'skip' }));
const day = toDayNumber;

function habit(frequency: Frequency, createdOn: string): Habit {
  return {
    id: 1,
    name: 'test',
    frequency,
    reminder: null,
    createdAt: `${createdOn}T12:00:00.000Z`,
    createdOn,
    archivedAt: null,
  };
}

function streaksOf(
  entries: Entry[],
  frequency: Frequency,
  today: string,
): { current: number; best: number; bestRange: string } {
  const history = findStreaks(computeEntries(entries, frequency), day(today));
  return {
    current: history.current?.length ?? 0,
    best: history.best?.length ?? 0,
    bestRange: history.best === null ? '' : `${history.best.start}..${history.best.end}`,
  };
}

function strengthOn(entries: Entry[], frequency: Frequency, on: string): number {
  return strengthSeries(computeEntries(entries, frequency), frequency, day(on)).on(day(on));
}

describe('frequencies', () => {
  it('reads every frequency and an optional reminder time, in either order', () => {
    expect(parseHabitSpec('meditation daily')).toEqual({ name: 'meditation', frequency: DAILY, reminder: null });
    expect(parseHabitSpec('read before bed')).toEqual({ name: 'read before bed', frequency: DAILY, reminder: null });
    expect(parseHabitSpec('long run weekly')).toMatchObject({ name: 'long run', frequency: weekly });
    expect(parseHabitSpec('review finances monthly')).toMatchObject({ name: 'review finances', frequency: monthly });
    expect(parseHabitSpec('gym 3 times per week')).toMatchObject({ name: 'gym', frequency: threePerWeek });
    expect(parseHabitSpec('gym 3x a week')).toMatchObject({ name: 'gym', frequency: threePerWeek });
    expect(parseHabitSpec('call mum twice a month')).toMatchObject({
      name: 'call mum',
      frequency: { num: 2, den: 30, weekdays: null },
    });
    expect(parseHabitSpec('piano on mon,wed,fri')).toMatchObject({ name: 'piano', frequency: monWedFri });
    // A comma list of days with no "on" is days too; a name with a day word and no comma stays a name.
    expect(parseHabitSpec('stretch mon, wed, fri')).toMatchObject({ name: 'stretch', frequency: monWedFri });
    expect(parseHabitSpec('sun salutation')).toMatchObject({ name: 'sun salutation', frequency: DAILY });
    expect(parseHabitSpec('read books, papers')).toMatchObject({ name: 'read books, papers', frequency: DAILY });
    expect(parseHabitSpec('piano on mondays, wednesdays and fridays at 6pm')).toEqual({
      name: 'piano',
      frequency: monWedFri,
      reminder: '18:00',
    });
    expect(parseHabitSpec('catch up on news on weekdays')).toMatchObject({
      name: 'catch up on news',
      frequency: { weekdays: [1, 2, 3, 4, 5] },
    });
    expect(parseHabitSpec('work on novel')).toMatchObject({ name: 'work on novel', frequency: DAILY });
    expect(parseHabitSpec('meditation at 7:30 daily')).toEqual({
      name: 'meditation',
      frequency: DAILY,
      reminder: '07:30',
    });
    expect(parseHabitSpec('meditation daily at 07:30')).toEqual({
      name: 'meditation',
      frequency: DAILY,
      reminder: '07:30',
    });
    expect(parseHabitSpec('gym 7 times per week')).toMatchObject({ frequency: DAILY });
    expect(parseFrequency('every monday and thursday')).toEqual({ num: 1, den: 1, weekdays: [1, 4] });
  });

  it("reads Loop's other periods: every N days, N times every M days", () => {
    expect(parseHabitSpec('water the plants every 5 days')).toMatchObject({
      name: 'water the plants',
      frequency: { num: 1, den: 5, weekdays: null },
    });
    expect(parseFrequency('2 times every 3 days')).toEqual({ num: 2, den: 3, weekdays: null });
    expect(parseFrequency('3 times in 3 days')).toEqual(DAILY);
    expect(parseFrequency('4 times every 3 days')).toEqual({
      error: '"4 times every 3 days" must be between 1 and 3 times.',
    });
    expect(describeFrequency({ num: 1, den: 5, weekdays: null })).toBe('every 5 days');
    expect(describeFrequency({ num: 2, den: 3, weekdays: null })).toBe('2 times every 3 days');
    expect(parseFrequency(describeFrequency({ num: 2, den: 3, weekdays: null }))).toEqual({
      num: 2,
      den: 3,
      weekdays: null,
    });
  });

  it('rejects a missing name, impossible counts and times', () => {
    expect(parseHabitSpec('daily')).toEqual({ error: 'Give the habit a name.' });
    expect(parseHabitSpec('gym 9 times per week')).toEqual({ error: '"9 times per week" must be between 1 and 7.' });
    expect(parseHabitSpec('read at 25:00')).toHaveProperty('error');
    expect(parseTimeOfDay('7:30 pm')).toBe('19:30');
    expect(parseTimeOfDay('12am')).toBe('00:00');
    expect(parseTimeOfDay('13pm')).toBeUndefined();
  });
});

describe('Loop intervals', () => {
  it('completes a 3-per-week period on the third check-in and snaps overlapping periods back (worked by hand)', () => {
    // Check-ins Mon 2, Wed 4, Fri 6, Mon 9, Wed 11, Fri 13 November. Windows of 3 check-ins within 7 days:
    //   (9, 11, 13) → [9..15]; (6, 9, 11) → [6..12]; (4, 6, 9) → [4..10]; (2, 4, 6) → [2..8].
    // Snapping, newest first: [6..12] overlaps [9..15] by 4 days, its centre (11) is 1 day before its end → shift 1 → [5..11];
    // [4..10] → shift min(10−9, 10−5+1) = 1 → [3..9]; [2..8] → shift min(8−6, 8−3+1) = 2 → [0..6] = 31 Oct..6 Nov.
    const days = ['2026-11-13', '2026-11-11', '2026-11-09', '2026-11-06', '2026-11-04', '2026-11-02'].map(day);
    const intervals = buildIntervals(days, threePerWeek);
    snapIntervalsTogether(intervals);
    const span = (offset: number): number => day('2026-11-01') + offset - 1;
    expect(intervals).toEqual([
      { begin: span(9), center: span(13), end: span(15) },
      { begin: span(5), center: span(11), end: span(11) },
      { begin: span(3), center: span(9), end: span(9) },
      { begin: span(0), center: span(6), end: span(6) },
    ]);
  });

  it("sizes a monthly period by the calendar month, the next one when it starts on a month's last day", () => {
    const computed = computeEntries(done('2026-01-31', '2026-03-10'), monthly);
    // 31 January is January's last day → February's 28 days: 31 Jan..27 Feb. 10 March → March's 31 days: 10 Mar..9 Apr.
    expect(computed.valueOn(day('2026-02-27'))).toBe('auto');
    expect(computed.valueOn(day('2026-02-28'))).toBe('none');
    expect(computed.valueOn(day('2026-04-09'))).toBe('auto');
    expect(computed.valueOn(day('2026-04-10'))).toBe('none');
  });
});

describe('streaks', () => {
  it("counts consecutive days for a daily habit; today, not yet done, keeps yesterday's streak alive", () => {
    expect(streaksOf(done('2026-11-19', '2026-11-20', '2026-11-21'), DAILY, '2026-11-21').current).toBe(3);
    expect(streaksOf(done('2026-11-19', '2026-11-20'), DAILY, '2026-11-21').current).toBe(2);
    expect(streaksOf(done('2026-11-18', '2026-11-19'), DAILY, '2026-11-21').current).toBe(0);
  });

  it('finds the best streak anywhere in the history, with its dates', () => {
    const entries = done('2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-11-20', '2026-11-21');
    expect(streaksOf(entries, DAILY, '2026-11-21')).toEqual({
      current: 2,
      best: 4,
      bestRange: '2026-10-01..2026-10-04',
    });
    expect(streaksOf([], DAILY, '2026-11-21')).toEqual({ current: 0, best: 0, bestRange: '' });
  });

  it('lets a skipped day bridge a streak without counting it', () => {
    // Loop would count the skipped 19th (a 4-day streak); here it neither counts nor breaks: 18, 20, 21 → 3.
    const entries = [...done('2026-11-18', '2026-11-20', '2026-11-21'), ...skipped('2026-11-19')];
    expect(streaksOf(entries, DAILY, '2026-11-21').current).toBe(3);
  });

  it('counts a 3-per-week habit as Loop does: every day of a completed period, including those snapped before the first check-in', () => {
    const entries = done('2026-11-02', '2026-11-04', '2026-11-06', '2026-11-09', '2026-11-11', '2026-11-13');
    // Covered from 31 October to 15 November (see the interval example): on the 14th that is 31 Oct..14 Nov, 15 days.
    expect(streaksOf(entries, threePerWeek, '2026-11-14')).toEqual({
      current: 15,
      best: 15,
      bestRange: '2026-10-31..2026-11-14',
    });
    // Two check-ins in a week complete nothing: each counts as its own day.
    expect(streaksOf(done('2026-11-16', '2026-11-18'), threePerWeek, '2026-11-21')).toMatchObject({
      current: 0,
      best: 1,
    });
  });

  it("counts a weekly habit in days covered by each check-in's 7-day period", () => {
    // 4 Nov → [4..10], snapped by the 9 Nov period ([9..15]) to [2..8]; 21 Nov → [21..27]. 16–20 Nov are not covered.
    expect(streaksOf(done('2026-11-04', '2026-11-09', '2026-11-21'), weekly, '2026-11-21')).toEqual({
      current: 1,
      best: 14,
      bestRange: '2026-11-02..2026-11-15',
    });
  });

  it('counts a weekday habit on its days only: off days bridge, a missed due day breaks', () => {
    expect(streaksOf(done('2026-11-16', '2026-11-18', '2026-11-20'), monWedFri, '2026-11-21').current).toBe(3);
    // Friday the 13th was missed; a check-in on Saturday the 14th is an off day and does not mend it.
    const broken = done('2026-11-09', '2026-11-11', '2026-11-14', '2026-11-16', '2026-11-18', '2026-11-20');
    expect(streaksOf(broken, monWedFri, '2026-11-21')).toMatchObject({ current: 3, best: 3 });
  });
});

describe("habit strength (Loop's exponential score)", () => {
  const m = Math.pow(0.5, 1 / 13); // daily: 0.5^(√1 / 13) = 0.948078

  it('uses multiplier = 0.5^(√freq / 13)', () => {
    expect(strengthMultiplier(DAILY)).toBeCloseTo(0.948078, 6);
    expect(strengthMultiplier(threePerWeek)).toBeCloseTo(0.965697, 6); // 0.5^(√(3/7) / 13)
    expect(strengthMultiplier(monWedFri)).toBeCloseTo(0.948078, 6); // a weekday habit is daily on its days
  });

  it('grows as 1 − m^n for a daily habit done n days in a row, and decays by m on a missed day', () => {
    const entries = done('2026-11-01', '2026-11-02', '2026-11-03');
    expect(strengthOn(entries, DAILY, '2026-11-01')).toBeCloseTo(1 - m, 10); // 0.051922
    expect(strengthOn(entries, DAILY, '2026-11-03')).toBeCloseTo(1 - m ** 3, 10); // 0.147820
    expect(strengthOn(entries, DAILY, '2026-11-04')).toBeCloseTo((1 - m ** 3) * m, 10); // 0.140144
    const thirteen = done(...Array.from({ length: 13 }, (_, index) => `2026-10-${String(index + 1).padStart(2, '0')}`));
    expect(strengthOn(thirteen, DAILY, '2026-10-13')).toBeCloseTo(0.5, 10);
  });

  it('leaves the score unchanged on a skipped day', () => {
    const entries = [...done('2026-11-01', '2026-11-02', '2026-11-04'), ...skipped('2026-11-03')];
    expect(strengthOn(entries, DAILY, '2026-11-04')).toBeCloseTo(1 - m ** 3, 10);
  });

  it('scores a 3-per-week habit on a rolling window, num and den doubled (6 in 14 days)', () => {
    // Mon 2, Wed 4, Fri 6 November. Daily values = check-ins in the last 14 days / 6:
    // 2nd 1/6, 3rd 1/6, 4th 2/6, 5th 2/6, 6th 3/6, 7th 3/6, 8th 3/6; m = 0.965697.
    // score(8th) = Σ value_k · (1 − m) · m^(6 − k) = 0.079391
    expect(strengthOn(done('2026-11-02', '2026-11-04', '2026-11-06'), threePerWeek, '2026-11-08')).toBeCloseTo(
      0.0793906,
      6,
    );
  });

  it('skips the days off a weekday habit', () => {
    // Mon 16, Wed 18, Fri 20: three daily steps; Tue, Thu and Sat change nothing.
    expect(strengthOn(done('2026-11-16', '2026-11-18', '2026-11-20'), monWedFri, '2026-11-21')).toBeCloseTo(
      1 - m ** 3,
      10,
    );
  });
});

describe('completion rates', () => {
  it('counts check-ins against the days that count: skipped days and today (until done) are left out', () => {
    // Added 1 Nov. Last 7 days (15–21 Nov): done 15, 16, 19, 20; missed 17; skipped 18; today (21) open → 4 of 5.
    const entries = [...done('2026-11-15', '2026-11-16', '2026-11-19', '2026-11-20'), ...skipped('2026-11-18')];
    const report = analyseHabit(habit(DAILY, '2026-11-01'), entries, '2026-11-21');
    expect(report.rate(7)).toBeCloseTo(4 / 5, 10);
    // Last 30 days start at the habit's first day: 1–20 Nov less the skipped 18th = 19 days, 4 done.
    expect(report.rate(30)).toBeCloseTo(4 / 19, 10);
    expect(report.rate(90)).toBeCloseTo(4 / 19, 10);
    expect(report.dueToday).toBe(true);
    expect(report.atRisk).toBe(true);
    // Until today is entered, the strength shown is yesterday's (Loop's score would already have decayed today).
    expect(report.strength).toBeCloseTo(strengthOn(entries, DAILY, '2026-11-20'), 10);
    expect(report.strength).toBeGreaterThan(strengthOn(entries, DAILY, '2026-11-21'));
  });

  it('measures N-per-week habits against num/den per day', () => {
    // 3 per week, added 14 Nov; 2 check-ins in the last 7 days, 6 days count (today open) → 2 / (6 · 3/7) = 0.78.
    const report = analyseHabit(habit(threePerWeek, '2026-11-14'), done('2026-11-16', '2026-11-18'), '2026-11-21');
    expect(report.rate(7)).toBeCloseTo(2 / ((6 * 3) / 7), 10);
    expect(report.inWindow).toBe(2);
  });
});

describe('heatmap', () => {
  it('draws 12 weeks in plain characters, Monday first, with month names and a legend', () => {
    const entries = [...done('2026-11-16', '2026-11-17', '2026-11-19', '2026-11-20'), ...skipped('2026-11-18')];
    const computed = computeEntries(entries, DAILY);
    const lines = renderHeatmap(computed.valueOn, day('2026-11-16'), day('2026-11-21'), { color: false });
    expect(lines).toEqual([
      // 12 weeks from Monday 31 Aug; each month's name over the week that holds its 1st.
      '    Sep     Oct     Nov',
      'Mo                        #',
      'Tu                        #',
      'We                        ~',
      'Th                        #',
      'Fr                        #',
      'Sa                        _',
      'Su',
      '    # done  ~ skipped  _ today, not yet',
    ]);
  });

  it('names the current month over this week when today is its first days (Tuesday 1 December)', () => {
    const computed = computeEntries(done('2026-11-30'), DAILY);
    const [header] = renderHeatmap(computed.valueOn, day('2026-11-30'), day('2026-12-01'), { color: false });
    expect(header?.trimEnd()).toMatch(/Nov +Dec$/);
  });

  it('uses ANSI colours only when asked', () => {
    const computed = computeEntries(done('2026-11-20'), DAILY);
    const plain = renderHeatmap(computed.valueOn, day('2026-11-20'), day('2026-11-21'), { color: false }).join('\n');
    const coloured = renderHeatmap(computed.valueOn, day('2026-11-20'), day('2026-11-21'), { color: true }).join('\n');
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[32m■');
  });
});
