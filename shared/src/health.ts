import { createHash, timingSafeEqual } from 'node:crypto';
import { pendingMigrations } from '@folio/migrations';
import { sql } from 'kysely';
import type { Db } from './db/connect.js';
import type { Redis } from './redis.js';

export interface Readiness {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);

/** /readyz: database reachable with every migration applied, Redis (when used) answering. */
export async function checkReadiness(
  deps: { db: Db; redis?: Redis | undefined },
  timeoutMs = 2_000,
): Promise<Readiness> {
  const checks: Readiness['checks'] = {};
  try {
    await withTimeout(sql`select 1`.execute(deps.db), timeoutMs, 'database');
    const pending = await withTimeout(pendingMigrations(deps.db), timeoutMs, 'migrations');
    checks.database =
      pending.length === 0
        ? { ok: true }
        : { ok: false, detail: `pending migrations: ${pending.join(', ')}` };
  } catch (error) {
    checks.database = { ok: false, detail: (error as Error).message };
  }
  if (deps.redis) {
    try {
      await withTimeout(deps.redis.ping(), timeoutMs, 'redis');
      checks.redis = { ok: true };
    } catch (error) {
      checks.redis = { ok: false, detail: (error as Error).message };
    }
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

/**
 * Whether a request may read /metrics: always when no METRICS_TOKEN is configured (the
 * processes bind to loopback by default), otherwise only with `Authorization: Bearer
 * <METRICS_TOKEN>`. Compared as digests in constant time, so the answer's timing says
 * nothing about how much of a guess was right.
 */
export function metricsRequestAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
