/**
 * When a failed delivery is attempted again: exponential backoff with jitter, for at
 * least `windowMs` after the event (contract: at least 24 h, the first retry within 10 s).
 */
export interface RetryPolicy {
  /** Delay after the first failure, before jitter (jitter takes 0–50 % off every delay). */
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Retried while the delivery is younger than this; then it fails for good. */
  windowMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  firstDelayMs: 5_000,
  factor: 3,
  maxDelayMs: 4 * 60 * 60 * 1000,
  windowMs: 24 * 60 * 60 * 1000,
};

/**
 * The time of the next attempt after `failures` failed ones, or null when the delivery
 * has been retried for the whole window. Full jitter on the upper half spreads the
 * retries of many deliveries that failed together (an endpoint that was down).
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  failures: number,
  createdAt: Date,
  now: Date = new Date(),
  random: () => number = Math.random,
): Date | null {
  if (now.getTime() - createdAt.getTime() >= policy.windowMs) return null;
  const base = Math.min(policy.firstDelayMs * policy.factor ** Math.max(0, failures - 1), policy.maxDelayMs);
  return new Date(now.getTime() + base * (0.5 + random() * 0.5));
}
