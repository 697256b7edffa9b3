import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, nextAttemptAt } from './retry-schedule.js';

describe('nextAttemptAt', () => {
  const created = new Date('2026-01-01T00:00:00Z');

  it('retries first within 10 s, with jitter', () => {
    const delay = (random: number) =>
      (nextAttemptAt(defaultRetryPolicy, 1, created, created, () => random)?.getTime() ?? 0) -
      created.getTime();
    expect(delay(0)).toBe(2_500);
    expect(delay(0.999)).toBeGreaterThan(delay(0));
    expect(delay(0.999)).toBeLessThan(10_000);
  });

  it('keeps retrying for at least 24 h, then gives up', () => {
    let now = created;
    let failures = 0;
    for (;;) {
      failures++;
      const next = nextAttemptAt(defaultRetryPolicy, failures, created, now, () => 1);
      if (!next) break;
      expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(defaultRetryPolicy.maxDelayMs);
      now = next;
    }
    expect(now.getTime() - created.getTime()).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    expect(failures).toBeLessThan(30);
  });
});
