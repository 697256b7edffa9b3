import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { verifyAuditChain } from '../db/repositories/audit.js';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentStateAt } from './document-state-at.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentUpdateAuditor } from './document-update-auditor.js';
import { documentUpdateRecorder } from './document-update-recorder.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionLoader } from './document-version-reader.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

function textUpdates(doc: Y.Doc, edits: () => void): Uint8Array[] {
  const out: Uint8Array[] = [];
  const listener = (u: Uint8Array) => out.push(u);
  doc.on('update', listener);
  edits();
  doc.off('update', listener);
  return out;
}

describe('the update log under out-of-order commits (invariant 4)', () => {
  it('never skips a row that commits after a later-numbered one: load, compaction, version, restore', async () => {
    const user = await buildUser(t.db);
    const document = await buildDocument(t.db, user);
    const writer = new Y.Doc();
    const [base] = textUpdates(writer, () => writer.getText('t').insert(0, 'base '));
    await documentUpdateRecorder(t.db, [
      { documentId: document.id, update: base as Uint8Array, actorId: user.id, connectionId: 'a' },
    ]);
    const since = new Date();
    // Two concurrent edits on two clients.
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(writer));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(writer));
    const [lateUpdate] = textUpdates(a, () => a.getText('t').insert(5, 'LATE'));
    const [earlyUpdate] = textUpdates(b, () => b.getText('t').insert(0, 'early '));
    const everything = new Y.Doc();
    for (const u of [base, lateUpdate, earlyUpdate]) Y.applyUpdate(everything, u as Uint8Array);
    const full = documentText(everything);
    expect(full).toBe('early base LATE');

    // T1 inserts first (the lower seq) and stays open; T2 inserts (higher seq) and commits.
    let release!: () => void;
    const mayCommit = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: (seq: number) => void;
    const lowSeq = new Promise<number>((resolve) => {
      inserted = resolve;
    });
    const t1 = t.db.transaction().execute(async (trx) => {
      const [seq] = await documentUpdateRecorder(trx, [
        { documentId: document.id, update: lateUpdate as Uint8Array, actorId: user.id, connectionId: 'a' },
      ]);
      inserted(seq as number);
      await mayCommit;
    });
    const low = await lowSeq;
    const [high] = await documentUpdateRecorder(t.db, [
      { documentId: document.id, update: earlyUpdate as Uint8Array, actorId: user.id, connectionId: 'b' },
    ]);
    expect(high).toBeGreaterThan(low);

    // Snapshots taken while the lower-numbered row is still uncommitted.
    const compacted = await documentCompactor(t.db, document.id);
    expect(compacted?.seq).toBe(high);
    const version = await documentVersionCreator(t.db, {
      documentId: document.id,
      actorId: user.id,
      label: 'between',
    });
    const auditedBefore = await documentUpdateAuditor(t.db, { holder: 'test', force: true });

    release();
    await t1;

    // Load: the snapshot covers only below the open transaction's xid, so the late row is read.
    const loaded = await documentStateLoader(t.db, document.id);
    expect(documentText(loaded.doc)).toBe(full);
    loaded.doc.destroy();

    // Versions: the one taken before the commit holds what was committed then; one taken
    // now (from the compacted state that lacks the late row, plus the log) holds it.
    const v = await documentVersionLoader(t.db, { documentId: document.id, versionId: version.id });
    expect(documentText(v.doc)).toBe('early base ');
    v.doc.destroy();
    const after = await documentVersionCreator(t.db, {
      documentId: document.id,
      actorId: user.id,
      label: 'after',
    });
    const v2 = await documentVersionLoader(t.db, { documentId: document.id, versionId: after.id });
    expect(documentText(v2.doc)).toBe(full);
    v2.doc.destroy();

    // Point in time, now: the base (version or compacted state) lacks the late row; the
    // log replay from its horizon supplies it.
    const past = await documentStateAt(t.db, document.id, new Date());
    expect(documentText(past.doc)).toBe(full);
    past.doc.destroy();
    const before = await documentStateAt(t.db, document.id, since);
    expect(documentText(before.doc)).toBe('base ');
    before.doc.destroy();

    // A compaction after the commit moves the horizon past the late row and keeps it.
    await documentCompactor(t.db, document.id);
    const again = await documentStateLoader(t.db, document.id);
    expect(documentText(again.doc)).toBe(full);
    again.doc.destroy();

    // Audit: the pass before the late commit saw base + the early row; the next pass
    // audits exactly the late one; a third nothing.
    expect(auditedBefore).toMatchObject({ updates: 2 });
    expect(await documentUpdateAuditor(t.db, { holder: 'test', force: true })).toMatchObject({
      updates: 1,
      entries: 1,
    });
    expect(await documentUpdateAuditor(t.db, { holder: 'test', force: true })).toMatchObject({ updates: 0 });
    const audit = await t.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'document.update')
      .where('document_id', '=', document.id)
      .execute();
    const counted = audit.reduce((sum, e) => sum + Number((e.details as { updates: number }).updates), 0);
    const rows = await t.db
      .selectFrom('document_updates')
      .select('seq')
      .where('document_id', '=', document.id)
      .execute();
    expect(counted).toBe(rows.length);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('two writers on one document at once, then a load from Postgres alone: the exact text', async () => {
    const user = await buildUser(t.db);
    const document = await buildDocument(t.db, user);
    // Two "instances", each with its own editor typing, committing overlapping batches
    // as two UpdateCommitters would, and exchanging nothing but what the log holds.
    const editors = [new Y.Doc(), new Y.Doc()];
    const reference = new Y.Doc();
    const commits: Promise<(number | undefined)[]>[] = [];
    for (let round = 0; round < 25; round++) {
      for (const [i, editor] of editors.entries()) {
        const batch = textUpdates(editor, () => {
          for (let k = 0; k < 4; k++) {
            const text = editor.getText('t');
            text.insert(round % 3 === 0 ? 0 : text.length, `${i === 0 ? 'a' : 'B'}${round}.${k} `);
          }
        });
        for (const u of batch) Y.applyUpdate(reference, u);
        commits.push(
          documentUpdateRecorder(
            t.db,
            batch.map((update) => ({
              documentId: document.id,
              update,
              actorId: user.id,
              connectionId: `i${i}`,
            })),
          ),
        );
      }
      // Now and then each instance receives the other's edits, so later edits depend on them.
      if (round % 5 === 4) {
        Y.applyUpdate(editors[0] as Y.Doc, Y.encodeStateAsUpdate(editors[1] as Y.Doc));
        Y.applyUpdate(editors[1] as Y.Doc, Y.encodeStateAsUpdate(editors[0] as Y.Doc));
      }
      // A compaction racing the writers.
      if (round % 7 === 3) commits.push(documentCompactor(t.db, document.id).then(() => []));
    }
    const seqs = (await Promise.all(commits)).flat();
    expect(new Set(seqs).size).toBe(seqs.length);
    const loaded = await documentStateLoader(t.db, document.id);
    expect(loaded.doc.getText('t').toString()).toBe(reference.getText('t').toString());
    expect(loaded.doc.store.pendingStructs).toBeNull();
    loaded.doc.destroy();
  });

  it('the summariser runs one pass at a time and leaves the job to its holder while the lease runs', async () => {
    // A forced pass (shutdown, a delete) does not take another holder's lease.
    expect(await documentUpdateAuditor(t.db, { holder: 'forced', force: true })).toBeDefined();
    expect(await documentUpdateAuditor(t.db, { holder: 'forced' })).toBeUndefined();
    await sql`update document_update_audit_cursor set held_until = null`.execute(t.db);
    expect(await documentUpdateAuditor(t.db, { holder: 'first', leaseMs: 60_000 })).toBeDefined();
    expect(await documentUpdateAuditor(t.db, { holder: 'second' })).toBeUndefined();
    // A pass holding the advisory lock makes another instance's pass skip, not wait.
    await t.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(7301447120001)`.execute(trx);
      expect(await documentUpdateAuditor(t.db, { holder: 'first' })).toBeUndefined();
    });
    // The holder's lease runs out (it died): another takes over.
    await sql`update document_update_audit_cursor set held_until = now() - interval '1 second'`.execute(t.db);
    expect(await documentUpdateAuditor(t.db, { holder: 'second' })).toBeDefined();
    expect(await documentUpdateAuditor(t.db, { holder: 'first' })).toBeUndefined();
  });
});
