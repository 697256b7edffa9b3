import { sql } from 'kysely';
import type { ErasureStatus } from '../schema.js';
import type { Handle } from './handle.js';

export interface ErasureRequestRow {
  id: string;
  user_id: string;
  requested_by: string | null;
  status: ErasureStatus;
  report: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export function insertErasureRequest(
  db: Handle,
  request: { id: string; userId: string; requestedBy: string | null },
): Promise<ErasureRequestRow> {
  return db
    .insertInto('erasure_requests')
    .values({ id: request.id, user_id: request.userId, requested_by: request.requestedBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findErasureRequest(db: Handle, id: string): Promise<ErasureRequestRow | undefined> {
  return db.selectFrom('erasure_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An erasure of the user that is still to do (pending, or running). */
export function findOpenErasureRequest(db: Handle, userId: string): Promise<ErasureRequestRow | undefined> {
  return db
    .selectFrom('erasure_requests')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', 'in', ['pending', 'running'])
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Claims a request for this worker: the oldest pending one (or `id` only), or one whose
 * worker died while running it (started more than `staleAfterMs` ago). SKIP LOCKED lets
 * several API instances claim concurrently without ever getting the same row; the claim
 * commits at once, so `running` is visible while the erasure proceeds.
 */
export async function claimErasureRequest(
  db: Handle,
  options: { id?: string; staleAfterMs: number; now?: Date },
): Promise<ErasureRequestRow | undefined> {
  const now = options.now ?? new Date();
  const staleBefore = new Date(now.getTime() - options.staleAfterMs);
  let candidate = db
    .selectFrom('erasure_requests')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'running'), eb('started_at', '<', staleBefore)]),
      ]),
    )
    .orderBy('created_at')
    .limit(1)
    .forUpdate()
    .skipLocked();
  if (options.id !== undefined) candidate = candidate.where('id', '=', options.id);
  return db
    .updateTable('erasure_requests')
    .set({ status: 'running', started_at: now, error: null })
    .where('id', '=', candidate)
    .returningAll()
    .executeTakeFirst();
}

export async function finishErasureRequest(
  db: Handle,
  id: string,
  outcome: { status: 'done'; report: Record<string, unknown> } | { status: 'failed'; error: string },
): Promise<void> {
  await db
    .updateTable('erasure_requests')
    .set({
      status: outcome.status,
      report: outcome.status === 'done' ? JSON.stringify(outcome.report) : null,
      error: outcome.status === 'failed' ? outcome.error : null,
      finished_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}
