import { documentUpdateAuditor } from '@folio/shared/commands';
import { createLogger } from '@folio/shared/logger';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createCollabMetrics } from './metrics.js';
import { UpdateCommitter } from './update-committer.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const log = createLogger({ level: 'silent', name: 'committer-test' });

function updates(n: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i++) doc.getText('t').insert(i, 'x');
  return out;
}

async function storedSeqs(documentIds: string[]): Promise<number[]> {
  const rows = await db.db
    .selectFrom('document_updates')
    .select('seq')
    .where('document_id', 'in', documentIds)
    .orderBy('seq')
    .execute();
  return rows.map((r) => Number(r.seq));
}

function expectStored(stored: number[], seqs: (number | undefined)[]) {
  expect(seqs.every((seq) => typeof seq === 'number')).toBe(true);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(stored).toEqual([...(seqs as number[])].sort((a, b) => a - b));
}

describe('UpdateCommitter', () => {
  it('commits concurrent updates of several documents in few transactions, in arrival order', async () => {
    const owner = await buildUser(db.db);
    const [d1, d2] = [await buildDocument(db.db, owner), await buildDocument(db.db, owner)];
    const metrics = createCollabMetrics();
    const committer = new UpdateCommitter(db.db, log, metrics, { delayMs: 5 });
    const seqs = await Promise.all(
      updates(60).map((update, i) =>
        committer.record({
          documentId: i % 2 ? d1.id : d2.id,
          update,
          actorId: owner.id,
          connectionId: `c${i % 3}`,
        }),
      ),
    );
    // One global sequence: every update numbered, no number twice, each row stored.
    expectStored(await storedSeqs([d1.id, d2.id]), seqs);
    const batches = (await metrics.storeBatchSize.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(batches?.value).toBeLessThanOrEqual(3);
    expect(committer.pendingBytes).toBe(0);
    // Audited off the commit path, by the summariser's next pass.
    expect(await documentUpdateAuditor(db.db, { holder: 'test', force: true })).toMatchObject({
      updates: 60,
    });
    const audit = await db.db
      .selectFrom('audit_events')
      .select(['document_id', 'details'])
      .where('action', '=', 'document.update')
      .execute();
    const counted = audit.reduce((sum, e) => sum + Number((e.details as { updates: number }).updates), 0);
    expect(counted).toBe(60);
  });

  it('overlaps transactions, storing every update exactly once', async () => {
    const owner = await buildUser(db.db);
    const docs = [await buildDocument(db.db, owner), await buildDocument(db.db, owner)];
    const metrics = createCollabMetrics();
    const committer = new UpdateCommitter(db.db, log, metrics, { delayMs: 0, maxInFlight: 3 });
    const all = updates(200);
    const pending: Promise<number | undefined>[] = [];
    // Waves arriving while earlier transactions are in flight, both documents in each.
    for (let wave = 0; wave < 20; wave++) {
      for (let k = 0; k < 10; k++) {
        const i = wave * 10 + k;
        pending.push(
          committer.record({
            documentId: (docs[i % 2] ?? docs[0])?.id ?? '',
            update: all[i] as Uint8Array,
            actorId: owner.id,
            connectionId: null,
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const seqs = await Promise.all(pending);
    await committer.drain();
    expectStored(await storedSeqs(docs.map((d) => d.id)), seqs);
    expect(committer.pendingBytes).toBe(0);
  });

  it('answers undefined for a document that does not exist, and drains', async () => {
    const committer = new UpdateCommitter(db.db, log, createCollabMetrics());
    const pending = committer.record({
      documentId: 'no-such-document',
      update: updates(1)[0] as Uint8Array,
      actorId: null,
      connectionId: null,
    });
    await committer.drain();
    expect(await pending).toBeUndefined();
  });

  it('without a window, still batches what arrives during a transaction, and drains', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const metrics = createCollabMetrics();
    const committer = new UpdateCommitter(db.db, log, metrics, { delayMs: 0 });
    const pending = updates(40).map((update) =>
      committer.record({ documentId: document.id, update, actorId: owner.id, connectionId: null }),
    );
    await committer.drain();
    expectStored(await storedSeqs([document.id]), await Promise.all(pending));
    const batches = (await metrics.storeBatchSize.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(batches?.value).toBeLessThan(40);
  });
});
