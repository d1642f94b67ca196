import { describe, expect, it } from 'vitest';
import { DAILY, parseHabitSpec } from '../../../plugins/habits/frequency.js';
import { bestStreak, currentStreak, remainingThisPeriod } from '../../../plugins/habits/streaks.js';

const weekly = { num: 1, den: 7 } as const;
const threePerWeek = { num: 3, den: 7 } as const;

describe('parseHabitSpec', () => {
  it('reads the frequency at the end, daily by default', () => {
    expect(parseHabitSpec('meditation daily')).toEqual({ name: 'meditation', frequency: DAILY });
    expect(parseHabitSpec('read before bed')).toEqual({ name: 'read before bed', frequency: DAILY });
    expect(parseHabitSpec('long run weekly')).toEqual({ name: 'long run', frequency: { num: 1, den: 7 } });
    expect(parseHabitSpec('gym 3 times per week')).toEqual({ name: 'gym', frequency: { num: 3, den: 7 } });
    expect(parseHabitSpec('gym 3x a week')).toEqual({ name: 'gym', frequency: { num: 3, den: 7 } });
  });

  it('rejects a missing name and impossible counts', () => {
    expect(parseHabitSpec('daily')).toEqual({ error: 'Give the habit a name.' });
    expect(parseHabitSpec('gym 9 times per week')).toHaveProperty('error');
  });
});

describe('streaks', () => {
  // 2026-11-21 is a Saturday; its ISO week starts Monday 2026-11-16.
  const today = '2026-11-21';

  it('counts consecutive days ending today', () => {
    expect(currentStreak(['2026-11-19', '2026-11-20', '2026-11-21'], DAILY, today)).toBe(3);
  });

  it('keeps yesterday\'s streak alive until today is over', () => {
    expect(currentStreak(['2026-11-19', '2026-11-20'], DAILY, today)).toBe(2);
  });

  it('breaks on a missed day', () => {
    expect(currentStreak(['2026-11-17', '2026-11-18', '2026-11-20', '2026-11-21'], DAILY, today)).toBe(2);
    expect(currentStreak(['2026-11-18', '2026-11-19'], DAILY, today)).toBe(0);
  });

  it('finds the best run anywhere in the history', () => {
    expect(bestStreak(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-11-20', '2026-11-21'], DAILY)).toBe(4);
    expect(bestStreak([], DAILY)).toBe(0);
  });

  it('counts weekly habits in ISO weeks', () => {
    // one check-in in each of the weeks of Nov 2, Nov 9 and Nov 16
    const days = ['2026-11-04', '2026-11-09', '2026-11-21'];
    expect(currentStreak(days, weekly, today)).toBe(3);
    expect(currentStreak(['2026-11-04', '2026-11-09'], weekly, today)).toBe(2); // this week still open
    expect(currentStreak(['2026-11-04'], weekly, today)).toBe(0);
  });

  it('counts N-per-week habits as complete weeks', () => {
    const lastWeek = ['2026-11-09', '2026-11-11', '2026-11-13'];
    expect(currentStreak(lastWeek, threePerWeek, today)).toBe(1);
    expect(currentStreak([...lastWeek, '2026-11-16', '2026-11-18'], threePerWeek, today)).toBe(1);
    expect(currentStreak([...lastWeek, '2026-11-16', '2026-11-18', '2026-11-20'], threePerWeek, today)).toBe(2);
    expect(currentStreak(['2026-11-09', '2026-11-11'], threePerWeek, today)).toBe(0);
    expect(remainingThisPeriod(['2026-11-16', '2026-11-18'], threePerWeek, today)).toBe(1);
    expect(bestStreak([...lastWeek, '2026-11-16', '2026-11-18', '2026-11-20'], threePerWeek)).toBe(2);
  });
});
