import { SelectQueryNode, TableNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, databaseNow, recordingBus, storedText } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentRestorer } from './document-restorer.js';
import { documentUpdateApplier } from './document-update-applier.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionLoader } from './document-version-reader.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentVersionCreator and documentRestorer', () => {
  it('restores a version as a new change by the caller: stored, announced, audited', async () => {
    const owner = await buildUser(t.db);
    const editor = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { markdown: '# Plan\n\nversion one' },
    });
    const version = await documentVersionCreator(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      label: 'v1',
    });
    expect(version).toMatchObject({ label: 'v1', kind: 'manual', seq: 1 });
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { markdown: '# Plan\n\nversion two' },
    });
    const versionDoc = await documentVersionLoader(t.db, { documentId: doc.id, versionId: version.id });
    expect(documentText(versionDoc.doc)).toBe('Plan\nversion one');
    versionDoc.doc.destroy();

    const { bus, seen, settle } = recordingBus();
    const result = await documentRestorer(
      t.db,
      {
        documentId: doc.id,
        actorId: editor.id,
        target: { versionId: version.id },
      },
      bus,
    );
    expect(result).toMatchObject({ changed: true, seq: 3 });
    expect(await storedText(t.db, doc.id)).toBe('Plan\nversion one');
    await settle();
    expect(seen).toEqual([{ type: 'document-updated', documentId: doc.id, seq: 3 }]);

    const last = await t.db
      .selectFrom('document_updates')
      .select('actor_id')
      .where('document_id', '=', doc.id)
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    expect(last.actor_id).toBe(editor.id);
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where('document_id', '=', doc.id)
      .orderBy('id')
      .execute();
    expect(audit.slice(-3).map((a) => [a.action, a.actor_id])).toEqual([
      ['document.version', editor.id],
      ['document.update', editor.id],
      ['document.restore', editor.id],
    ]);
    expect(audit.at(-1)?.details).toMatchObject({ versionId: version.id, seq: 3 });
    // The state before the restore was kept, so the restore can itself be undone.
    const undo = await documentVersionLoader(t.db, {
      documentId: doc.id,
      versionId: result.previousVersionId,
    });
    expect(documentText(undo.doc)).toBe('Plan\nversion two');
    undo.doc.destroy();
    await bus.close();
  });

  it('restores a point in time from the update log, even text the compacted snapshot dropped', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const client = new Y.Doc();
    const text = client.getText('body');
    const send = async (edit: () => void) => {
      const before = Y.encodeStateVector(client);
      edit();
      await documentUpdateApplier(t.db, {
        documentId: doc.id,
        actorId: owner.id,
        update: Y.encodeStateAsUpdate(client, before),
      });
    };
    await send(() => text.insert(0, 'the secret plan'));
    const beforeDeletion = await databaseNow(t.db);
    await send(() => text.delete(4, 7));
    // The snapshot is garbage-collected: the deleted word is no longer in it.
    await documentCompactor(t.db, doc.id);
    const state = await t.db
      .selectFrom('document_states')
      .select('snapshot')
      .where('document_id', '=', doc.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(state.snapshot).toString('latin1')).not.toContain('secret');
    expect(await storedText(t.db, doc.id)).toBe('the plan');

    await documentRestorer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      target: { at: beforeDeletion },
    });
    expect(await storedText(t.db, doc.id)).toBe('the secret plan');

    // Before the document had content: the restore empties it.
    await documentRestorer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      target: { at: new Date(doc.created_at.getTime() - 1000) },
    });
    expect(await storedText(t.db, doc.id)).toBe('');
  });

  it('reads the document row and its current state once, and keeps nothing when the write fails', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'one' },
    });
    const version = await documentVersionCreator(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      label: 'v1',
    });
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'two' },
    });
    const reads = new Map<string, number>();
    const counting = t.db.withPlugin({
      transformQuery({ node }) {
        if (SelectQueryNode.is(node)) {
          for (const from of node.from?.froms ?? []) {
            const table = TableNode.is(from) ? from.table.identifier.name : undefined;
            if (table) reads.set(table, (reads.get(table) ?? 0) + 1);
          }
        }
        return node;
      },
      async transformResult({ result }) {
        return result;
      },
    });
    await documentRestorer(counting, {
      documentId: doc.id,
      actorId: owner.id,
      target: { versionId: version.id },
    });
    expect(await storedText(t.db, doc.id)).toBe('one');
    expect(reads.get('documents')).toBe(1);
    expect(reads.get('document_states')).toBe(1);

    // Too large to store: neither the change nor the version before it nor an entry is kept.
    const versions = async () =>
      (await t.db.selectFrom('document_versions').select('id').where('document_id', '=', doc.id).execute())
        .length;
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'three' },
    });
    const kept = await versions();
    const restores = async () =>
      (
        await t.db
          .selectFrom('audit_events')
          .select('id')
          .where('document_id', '=', doc.id)
          .where('action', 'in', ['document.restore', 'document.version'])
          .execute()
      ).length;
    const audited = await restores();
    await expect(
      documentRestorer(t.db, {
        documentId: doc.id,
        actorId: owner.id,
        target: { versionId: version.id },
        maxDocumentBytes: 1,
      }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await versions()).toBe(kept);
    expect(await restores()).toBe(audited);
    expect(await storedText(t.db, doc.id)).toBe('three');
  });

  it('refuses an unknown version or another document’s version', async () => {
    const owner = await buildUser(t.db);
    const a = await buildDocument(t.db, owner);
    const b = await buildDocument(t.db, owner);
    const version = await documentVersionCreator(t.db, { documentId: a.id, actorId: owner.id, label: null });
    await expect(
      documentRestorer(t.db, {
        documentId: b.id,
        actorId: owner.id,
        target: { versionId: version.id },
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
