import { type ExpressionBuilder, sql } from 'kysely';
import { FolioError } from '../../errors.js';
import type { AuditEvent, Database } from '../schema.js';
import { AUDIT_USER_KEYS, type AuditRefs, auditHash, namedUsers } from './audit-hash.js';
import type { Handle } from './handle.js';
import { inTransaction } from './handle.js';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  documentId?: string | null;
  workspaceId?: string | null;
  /** Ids and counts only: never personal data (erasure never rewrites the log). */
  details?: Record<string, unknown>;
  at?: Date;
}

/**
 * The audit refs of the users an append names, key-share locked until commit: an erasure
 * changing one of these ids waits for the append (and then moves its entry too), or the
 * append waits for the erasure and finds the id gone.
 */
async function lockAuditRefs(db: Handle, ids: string[]): Promise<AuditRefs> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'audit_ref'])
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .forKeyShare()
    .execute();
  return new Map(rows.map((r) => [r.id, r.audit_ref]));
}

/**
 * Appends entries to the hash chain. The chain head row is locked for the rest of the
 * caller's transaction, so concurrent appenders queue instead of forking the chain;
 * append as late in a transaction as possible to keep that window short.
 */
export function appendAuditEvents(db: Handle, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return Promise.resolve();
  return inTransaction(db, async (trx) => {
    const refs = await lockAuditRefs(
      trx,
      entries.flatMap((e) => namedUsers({ actorId: e.actorId, details: e.details ?? {} })),
    );
    // An actor is always a user. One that is gone was erased after this transaction read
    // its id: refused, so the old id never enters the log (the summariser's pass rolls
    // back and its next pass reads the pseudonym).
    const gone = entries.find((e) => e.actorId !== null && !refs.has(e.actorId));
    if (gone) throw new FolioError('UNAUTHENTICATED', 'the acting user no longer exists');
    const head = await trx
      .selectFrom('audit_chain_head')
      .select(['hash', 'last_id'])
      .forUpdate()
      .executeTakeFirstOrThrow();
    let prev: Uint8Array = head.hash;
    const rows = entries.map((entry) => {
      const normalized = {
        at: entry.at ?? new Date(),
        actorId: entry.actorId,
        action: entry.action,
        documentId: entry.documentId ?? null,
        workspaceId: entry.workspaceId ?? null,
        details: entry.details ?? {},
      };
      const hash = auditHash(prev, normalized, refs);
      const row = {
        at: normalized.at,
        actor_id: normalized.actorId,
        action: normalized.action,
        document_id: normalized.documentId,
        workspace_id: normalized.workspaceId,
        details: JSON.stringify(normalized.details),
        prev_hash: prev,
        hash,
      };
      prev = hash;
      return row;
    });
    // Rows and the new head in one statement: the head stays locked one round trip.
    await trx
      .with('inserted', (qb) => qb.insertInto('audit_events').values(rows).returning('id'))
      .updateTable('audit_chain_head')
      .set((eb) => ({
        hash: prev,
        last_id: eb.selectFrom('inserted').select((s) => s.fn.max('inserted.id').as('id')),
      }))
      .execute();
  });
}

export const appendAuditEvent = (db: Handle, entry: AuditEntry) => appendAuditEvents(db, [entry]);

/**
 * Locks the chain head for the rest of the transaction, as an append would: what the
 * caller decides before appending cannot race another appender (a first start).
 */
export async function lockAuditChainHead(db: Handle): Promise<void> {
  await db.selectFrom('audit_chain_head').select('last_id').forUpdate().execute();
}

export interface AuditFilter {
  documentId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

/**
 * One page of the audit log in chain order (oldest first), after the entry `afterId`.
 * Each filter column has an index that ends in `id`, so a page is a short index range
 * however long the log is.
 */
export function listAuditEvents(
  db: Handle,
  filter: AuditFilter,
  page: { afterId: number; limit: number },
): Promise<AuditEvent[]> {
  let q = db.selectFrom('audit_events').selectAll().where('id', '>', page.afterId);
  if (filter.documentId !== undefined) q = q.where('document_id', '=', filter.documentId);
  if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  return q.orderBy('id').limit(page.limit).execute();
}

/** Audit entries by the user or about them (`details.userId`), oldest first. */
export function listAuditEventsOfUser(db: Handle, userId: string, limit: number) {
  return db
    .selectFrom('audit_events')
    .select([
      'id',
      'at',
      'actor_id as actorId',
      'action',
      'document_id as documentId',
      'workspace_id as workspaceId',
      'details',
    ])
    .where((eb) => eb.or([eb('actor_id', '=', userId), eb(sql`details->>'userId'`, '=', userId)]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

const refOf = (eb: ExpressionBuilder<Database, 'audit_events'>, id: ReturnType<typeof sql<string>>) =>
  eb.selectFrom('users as u').select('u.audit_ref').where('u.id', '=', id);

/**
 * Recomputes the chain from the first entry. Reads in pages so memory stays bounded
 * however long the log is; each page reads its entries and their users' audit refs in
 * one statement, so an erasure committing meanwhile is seen either wholly or not at all.
 */
export async function verifyAuditChain(
  db: Handle,
  pageSize = 5_000,
): Promise<{ ok: boolean; count: number; brokenAt?: number }> {
  let prev: Uint8Array = new Uint8Array(32);
  let afterId = 0;
  let count = 0;
  for (;;) {
    const page = await db
      .selectFrom('audit_events')
      .selectAll('audit_events')
      .select((eb) => [
        refOf(eb, sql<string>`audit_events.actor_id`).as('actor_ref'),
        ...AUDIT_USER_KEYS.map((key) =>
          refOf(eb, sql<string>`audit_events.details->>${key}`).as(`ref_${key}`),
        ),
      ])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const row of page) {
      const entry = {
        at: row.at,
        actorId: row.actor_id,
        action: row.action,
        documentId: row.document_id,
        workspaceId: row.workspace_id,
        details: row.details,
      };
      const found = row as unknown as Record<string, string | null>;
      const refs = new Map<string, string>();
      if (row.actor_id && row.actor_ref) refs.set(row.actor_id, row.actor_ref);
      for (const key of AUDIT_USER_KEYS) {
        const id = row.details[key];
        const ref = found[`ref_${key}`];
        if (typeof id === 'string' && ref) refs.set(id, ref);
      }
      const expected = auditHash(prev, entry, refs);
      if (!Buffer.from(row.prev_hash).equals(Buffer.from(prev)) || !expected.equals(Buffer.from(row.hash))) {
        return { ok: false, count, brokenAt: Number(row.id) };
      }
      prev = row.hash;
      afterId = Number(row.id);
      count++;
    }
    if (page.length < pageSize) return { ok: true, count };
  }
}

/**
 * Erasure: the entries naming `fromId` (as actor or under AUDIT_USER_KEYS) name
 * `toId` instead, the erased user's new id. Their hashes stay valid because they cover
 * the user's `audit_ref`, which moves with the row. The append-only trigger lets exactly
 * this through, in a transaction that asked for it, and only towards an erased user.
 */
export async function moveAuditEntriesToPseudonym(db: Handle, fromId: string, toId: string): Promise<number> {
  return inTransaction(db, async (trx) => {
    await sql`select set_config('folio.audit_pseudonymize', 'on', true)`.execute(trx);
    let moved = 0;
    const actor = await trx
      .updateTable('audit_events')
      .set({ actor_id: toId })
      .where('actor_id', '=', fromId)
      .executeTakeFirst();
    moved += Number(actor.numUpdatedRows);
    for (const key of AUDIT_USER_KEYS) {
      // Raw: `details` is insert-only in the schema type, as it is everywhere else.
      const named = await sql`
        update audit_events set details = jsonb_set(details, array[${key}::text], to_jsonb(${toId}::text))
         where details->>${key} = ${fromId}`.execute(trx);
      moved += Number(named.numAffectedRows ?? 0);
    }
    await sql`select set_config('folio.audit_pseudonymize', '', true)`.execute(trx);
    return moved;
  });
}
