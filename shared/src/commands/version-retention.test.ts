import { describe, expect, it } from 'vitest';
import { autoVersionsToPrune, defaultVersionPolicy } from './version-retention.js';

const now = new Date('2026-12-08T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 60 * 60 * 1000);

describe('autoVersionsToPrune', () => {
  it('keeps every version of the last day, the newest per day for 30 days, per week for a year', () => {
    const versions = [
      // Within a day: all kept.
      { id: 'recent-1', createdAt: hoursAgo(1) },
      { id: 'recent-2', createdAt: hoursAgo(23) },
      // 2026-12-06: two on one day, the newer is kept.
      { id: 'day-newer', createdAt: new Date('2026-12-06T18:00:00Z') },
      { id: 'day-older', createdAt: new Date('2026-12-06T09:00:00Z') },
      // One other day.
      { id: 'day-alone', createdAt: new Date('2026-12-01T09:00:00Z') },
      // Past 30 days: per week. These two fall in one epoch week (Thu–Wed).
      { id: 'week-newer', createdAt: new Date('2026-10-20T10:00:00Z') },
      { id: 'week-older', createdAt: new Date('2026-10-16T10:00:00Z') },
      // Past a year: gone.
      { id: 'ancient', createdAt: new Date('2025-10-01T10:00:00Z') },
    ];
    expect(autoVersionsToPrune(versions, now, defaultVersionPolicy).sort()).toEqual(
      ['ancient', 'day-older', 'week-older'].sort(),
    );
  });

  it('prunes nothing while every version is young, whatever the order given', () => {
    const versions = [2, 1, 3].map((h) => ({ id: `v${h}`, createdAt: hoursAgo(h) }));
    expect(autoVersionsToPrune(versions, now, defaultVersionPolicy)).toEqual([]);
  });

  it('keeps nothing past the windows a stricter policy sets', () => {
    const policy = { ...defaultVersionPolicy, keepAllMs: 0, keepDailyMs: 0, keepWeeklyMs: 0 };
    expect(autoVersionsToPrune([{ id: 'a', createdAt: hoursAgo(1) }], now, policy)).toEqual(['a']);
  });
});
