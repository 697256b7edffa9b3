import { createHash } from 'node:crypto';
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

/** JSON with object keys sorted at every level: jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function auditHash(
  prevHash: Uint8Array,
  entry: {
    at: Date;
    actorId: string | null;
    action: string;
    documentId: string | null;
    workspaceId: string | null;
    details: Record<string, unknown>;
  },
): Buffer {
  return createHash('sha256')
    .update(prevHash)
    .update(
      canonicalJson({
        at: entry.at.toISOString(),
        actorId: entry.actorId,
        action: entry.action,
        documentId: entry.documentId,
        workspaceId: entry.workspaceId,
        details: entry.details,
      }),
    )
    .digest();
}

/**
 * Appends entries to the hash chain. The chain head row is locked for the rest of the
 * caller's transaction, so concurrent appenders queue instead of forking the chain;
 * append as late in a transaction as possible to keep that window short.
 */
export function appendAuditEvents(db: Handle, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return Promise.resolve();
  return inTransaction(db, async (trx) => {
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
      const hash = auditHash(prev, normalized);
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
 * Recomputes the chain from the first entry. Reads in pages so memory stays bounded
 * however long the log is.
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
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const row of page) {
      const expected = auditHash(prev, {
        at: row.at,
        actorId: row.actor_id,
        action: row.action,
        documentId: row.document_id,
        workspaceId: row.workspace_id,
        details: row.details,
      });
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
