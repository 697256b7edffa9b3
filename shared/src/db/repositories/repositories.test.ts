import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenIssuer, authenticateApiToken } from '../../commands/api-token-issuer.js';
import { userCreator } from '../../commands/user-creator.js';
import { FolioError } from '../../errors.js';
import { newId } from '../../ids.js';
import { createTestDatabase, type TestDatabase } from '../../testing/index.js';
import type { DocumentRow } from '../schema.js';
import { revokeApiToken } from './api-tokens.js';
import { appendAuditEvent, verifyAuditChain } from './audit.js';
import { findDocumentAccess } from './document-access.js';
import { setDocumentPermission } from './document-permissions.js';
import { findDocumentState, saveDocumentState } from './document-states.js';
import {
  appendUpdatesOfDocuments,
  listDocumentUpdatesFrom,
  type NewUpdateOfDocument,
} from './document-updates.js';
import { deleteDocument, insertDocument } from './documents.js';
import { upsertSearchText } from './search.js';
import { findPersonalWorkspace, listWorkspacesOfUser } from './workspaces.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const createUser = (email: string, role: 'member' | 'admin' | 'compliance' = 'member') =>
  userCreator(t.db, { email, name: email.split('@')[0], role, actorId: null });

describe('users', () => {
  it('creates a user with a personal workspace they administer', async () => {
    const user = await createUser('ada@example.com');
    const personal = await findPersonalWorkspace(t.db, user.id);
    expect(personal).toBeDefined();
    expect(await listWorkspacesOfUser(t.db, user.id)).toEqual([
      expect.objectContaining({ id: personal?.id, role: 'admin' }),
    ]);
  });

  it('refuses a duplicate email regardless of case, naming the field', async () => {
    await createUser('grace@example.com');
    const attempt = createUser('Grace@Example.com'.toLowerCase());
    await expect(attempt).rejects.toBeInstanceOf(FolioError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT', field: 'email' });
  });

  it('rejects an unknown role at the database too', async () => {
    await expect(
      sql`insert into users (id, email, role) values (${newId()}, 'x@example.com', 'root')`.execute(t.db),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('api tokens', () => {
  it('authenticates by the secret, which is not stored, until revoked', async () => {
    const user = await createUser('tok@example.com');
    const { token, record } = await apiTokenIssuer(t.db, {
      userId: user.id,
      scopes: ['read'],
      actorId: null,
    });
    const stored = await t.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.token_hash).toString('utf8')).not.toContain(token);
    expect(await authenticateApiToken(t.db, token)).toMatchObject({
      userId: user.id,
      scopes: ['read'],
      expiresAt: null,
    });
    const touched = await t.db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(touched.last_used_at).toBeInstanceOf(Date);
    expect(await authenticateApiToken(t.db, `${token}x`)).toBeUndefined();
    expect(await revokeApiToken(t.db, user.id, record.id)).toBe(true);
    expect(await authenticateApiToken(t.db, token)).toBeUndefined();
  });

  it('returns the expiry of a token that has one, and refuses it once past', async () => {
    const user = await createUser('expiring@example.com');
    const expiresAt = new Date(Date.now() + 60_000);
    const live = await apiTokenIssuer(t.db, { userId: user.id, scopes: ['read'], expiresAt, actorId: null });
    expect((await authenticateApiToken(t.db, live.token))?.expiresAt?.getTime()).toBe(expiresAt.getTime());
    const past = await apiTokenIssuer(t.db, {
      userId: user.id,
      scopes: ['read'],
      expiresAt: new Date(Date.now() - 1_000),
      actorId: null,
    });
    expect(await authenticateApiToken(t.db, past.token)).toBeUndefined();
  });

  it('rejects unknown scopes at the database', async () => {
    const user = await createUser('scopes@example.com');
    await expect(
      apiTokenIssuer(t.db, { userId: user.id, scopes: ['sudo' as 'read'], actorId: null }),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('documents and the update log', () => {
  it('numbers concurrent appends uniquely, in input order, and keeps the newest snapshot', async () => {
    const user = await createUser('writer@example.com');
    const ws = await findPersonalWorkspace(t.db, user.id);
    const doc = await insertDocument(t.db, {
      id: newId(),
      workspaceId: ws?.id ?? '',
      title: 'Log',
      createdBy: user.id,
    });
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendUpdatesOfDocuments(t.db, [
          { documentId: doc.id, update: Uint8Array.of(i, 1), actorId: user.id, connectionId: `c${i}` },
          { documentId: doc.id, update: Uint8Array.of(i, 2), actorId: user.id, connectionId: `c${i}` },
        ]),
      ),
    );
    for (const [first, second] of batches) expect(second).toBeGreaterThan(first as number);
    const { rows, horizon } = await listDocumentUpdatesFrom(t.db, doc.id, { xid: '3' }, 1_000);
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      batches.flat().sort((a, b) => (a as number) - (b as number)),
    );
    expect(rows[0]?.update).toBeInstanceOf(Uint8Array);
    expect(rows[0]?.actor_id).toBe(user.id);

    expect(await saveDocumentState(t.db, doc.id, Uint8Array.of(9), { coversXid: horizon, seq: 30 })).toBe(
      true,
    );
    // An older merge never overwrites a newer snapshot.
    expect(await saveDocumentState(t.db, doc.id, Uint8Array.of(8), { coversXid: '3', seq: 40 })).toBe(false);
    const state = await findDocumentState(t.db, doc.id);
    expect(state?.covers_xid).toBe(horizon);
    // Catching up from the horizon re-reads at most the rows not below it (the horizon is
    // cluster-wide: other sessions' open transactions may hold it back).
    const below = await sql<{ n: string }>`
      select count(*) as n from document_updates where document_id = ${doc.id} and xid < ${horizon}::xid8`.execute(
      t.db,
    );
    const tail = await listDocumentUpdatesFrom(t.db, doc.id, { xid: horizon }, 1_000);
    expect(tail.rows.length + Number(below.rows[0]?.n)).toBe(40);
  });

  it('appends to many documents at once in one statement, under concurrent overlapping batches', async () => {
    const user = await createUser('batcher@example.com');
    const ws = await findPersonalWorkspace(t.db, user.id);
    const docs: DocumentRow[] = [];
    for (let d = 0; d < 40; d++) {
      docs.push(
        await insertDocument(t.db, {
          id: newId(),
          workspaceId: ws?.id ?? '',
          title: `B${d}`,
          createdBy: user.id,
        }),
      );
    }
    const gone = newId();
    // Two writers (as two instances would) commit overlapping batches at the same time,
    // listing documents in opposite orders.
    const batch = async (round: number, writer: number) => {
      const order = writer === 0 ? docs : [...docs].reverse();
      const updates: NewUpdateOfDocument[] = order.flatMap((doc, d) =>
        Array.from({ length: 1 + ((d + round + writer) % 3) }, (_, k) => ({
          documentId: doc.id,
          update: Uint8Array.of(round, writer, k),
          actorId: user.id,
          connectionId: `w${writer}`,
        })),
      );
      updates.splice(3, 0, { documentId: gone, update: Uint8Array.of(0), actorId: null, connectionId: null });
      return { updates, seqs: await appendUpdatesOfDocuments(t.db, updates) };
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, round) => [batch(round, 0), batch(round, 1)]).flat(),
    );
    const expected = new Map<string, Map<number, string>>();
    const all = new Set<number>();
    for (const { updates, seqs } of results) {
      expect(seqs[3]).toBeUndefined();
      const last = new Map<string, number>();
      updates.forEach((u, i) => {
        if (u.documentId === gone) return;
        const seq = seqs[i] as number;
        all.add(seq);
        // One document's updates of one batch are numbered in input order.
        expect(seq).toBeGreaterThan(last.get(u.documentId) ?? 0);
        last.set(u.documentId, seq);
        const bySeq = expected.get(u.documentId) ?? new Map<number, string>();
        bySeq.set(seq, Buffer.from(u.update).toString('hex'));
        expected.set(u.documentId, bySeq);
      });
    }
    // Unique across every batch and document.
    expect(all.size).toBe([...expected.values()].reduce((n, m) => n + m.size, 0));
    for (const doc of docs) {
      const { rows } = await listDocumentUpdatesFrom(t.db, doc.id, { xid: '3' }, 1_000);
      const bySeq = expected.get(doc.id) ?? new Map();
      expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual([...bySeq.keys()].sort((a, b) => a - b));
      for (const r of rows) expect(Buffer.from(r.update).toString('hex')).toBe(bySeq.get(r.seq));
    }
  });

  it('resolves access from explicit permissions and workspace roles', async () => {
    const owner = await createUser('owner@example.com');
    const viewer = await createUser('viewer@example.com');
    const ws = await findPersonalWorkspace(t.db, owner.id);
    const doc = await insertDocument(t.db, {
      id: newId(),
      workspaceId: ws?.id ?? '',
      title: 'Shared',
      createdBy: owner.id,
    });
    await setDocumentPermission(t.db, doc.id, viewer.id, 'viewer', owner.id);
    expect(await findDocumentAccess(t.db, doc.id, viewer.id)).toMatchObject({
      documentRole: 'viewer',
      workspaceRole: null,
    });
    expect(await findDocumentAccess(t.db, doc.id, owner.id)).toMatchObject({ workspaceRole: 'admin' });
    expect(await findDocumentAccess(t.db, 'missing', owner.id)).toBeUndefined();
  });

  it('finds documents by full-text search and deletes every trace of a document', async () => {
    const user = await createUser('search@example.com');
    const ws = await findPersonalWorkspace(t.db, user.id);
    const doc = await insertDocument(t.db, {
      id: newId(),
      workspaceId: ws?.id ?? '',
      title: 'Quarterly',
      createdBy: user.id,
    });
    await upsertSearchText(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      title: 'Quarterly',
      body: 'revenue grew strongly',
    });
    await appendUpdatesOfDocuments(t.db, [
      { documentId: doc.id, update: Uint8Array.of(1), actorId: user.id, connectionId: null },
    ]);
    await saveDocumentState(t.db, doc.id, Uint8Array.of(1), { coversXid: '3', seq: 1 });
    const hits = await t.db
      .selectFrom('document_search')
      .select('document_id')
      .where(sql<boolean>`tsv @@ websearch_to_tsquery('english', ${'revenues strong'})`)
      .execute();
    expect(hits.map((h) => h.document_id)).toEqual([doc.id]);

    expect(await deleteDocument(t.db, doc.id)).toBe(true);
    for (const table of [
      'document_updates',
      'document_states',
      'document_search',
      'document_permissions',
    ] as const) {
      const left = await t.db
        .selectFrom(table)
        .select('document_id')
        .where('document_id', '=', doc.id)
        .execute();
      expect(left, table).toEqual([]);
    }
  });
});

describe('audit log', () => {
  it('chains entries under concurrency, verifies, and refuses rewrites', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAuditEvent(t.db, { actorId: null, action: 'test.event', details: { i, z: 1, a: [i] } }),
      ),
    );
    const verified = await verifyAuditChain(t.db, 7);
    expect(verified.ok).toBe(true);
    expect(verified.count).toBeGreaterThanOrEqual(25);
    // The head names the newest entry and carries its hash.
    const head = await t.db
      .selectFrom('audit_chain_head')
      .select(['hash', 'last_id'])
      .executeTakeFirstOrThrow();
    const newest = await t.db
      .selectFrom('audit_events')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(Number(head.last_id)).toBe(Number(newest.id));
    expect(Buffer.from(head.hash).equals(Buffer.from(newest.hash))).toBe(true);
    await expect(sql`update audit_events set action = 'tampered'`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('detects a forged entry', async () => {
    // Bypass the trigger the way a superuser with direct access could.
    await sql`alter table audit_events disable trigger audit_events_no_update`.execute(t.db);
    await sql`update audit_events set details = '{"i": 999}'::jsonb where id = (select min(id) + 1 from audit_events)`.execute(
      t.db,
    );
    await sql`alter table audit_events enable trigger audit_events_no_update`.execute(t.db);
    expect((await verifyAuditChain(t.db)).ok).toBe(false);
  });
});
