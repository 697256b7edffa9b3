import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentContentReader } from './document-content-reader.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentDiffer, parseDiffEnd } from './document-differ.js';
import { parseEtag, stateEtag } from './document-etag.js';
import { documentVersionCreator } from './document-version-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('parseDiffEnd', () => {
  it('reads live, an ETag, a version id and an ISO time, and refuses anything else naming the field', () => {
    expect(parseDiffEnd('live', 'to')).toEqual({ kind: 'live' });
    expect(parseDiffEnd('"v.0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a"', 'from')).toEqual({
      kind: 'version',
      versionId: '0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a',
    });
    expect(parseDiffEnd('0192F1A0-7D2C-7C4E-9A5B-3F1E2D4C5B6A', 'from')).toEqual({
      kind: 'version',
      versionId: '0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a',
    });
    expect(parseDiffEnd('2026-01-02T03:04:05Z', 'from')).toEqual({
      kind: 'time',
      at: new Date('2026-01-02T03:04:05Z'),
    });
    expect(parseDiffEnd('s.3.10:12:', 'from')).toEqual(parseEtag('"s.3.10:12:"'));
    expect(() => parseDiffEnd('yesterday', 'from')).toThrow(expect.objectContaining({ field: 'from' }));
  });
});

describe('documentDiffer', () => {
  it('shows who inserted and deleted what between a read and now, and audits the read', async () => {
    const owner = await buildUser(t.db);
    const editor = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'hello world' },
    });
    const read = await documentContentReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: owner.id,
      format: 'text',
    });
    const from = parseEtag(stateEtag(read.basis));
    read.doc.destroy();
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: editor.id,
      agent: { label: 'fixer', tokenId: 'tok', userName: 'E' },
      replacement: { text: 'hello brave world' },
    });
    const { changes } = await documentDiffer(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: owner.id,
      from: from as NonNullable<typeof from>,
      to: { kind: 'live' },
    });
    expect(changes.map(({ op, text, actorId, agent }) => ({ op, text, actorId, agent }))).toEqual([
      { op: 'insert', text: 'brave ', actorId: editor.id, agent: 'fixer' },
    ]);
    const audit = await t.db
      .selectFrom('audit_events')
      .select('details')
      .where('document_id', '=', doc.id)
      .where('action', '=', 'document.read')
      .orderBy('id')
      .execute();
    expect(audit.at(-1)?.details).toMatchObject({ format: 'diff' });
  });

  it('refuses live as a start, an end before the start, and an unknown version', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const input = { documentId: doc.id, workspaceId: doc.workspace_id, actorId: owner.id };
    await expect(
      documentDiffer(t.db, { ...input, from: { kind: 'live' }, to: { kind: 'live' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      field: 'from',
    });
    await expect(
      documentDiffer(t.db, {
        ...input,
        from: { kind: 'time', at: new Date('2026-01-02T00:00:00Z') },
        to: { kind: 'time', at: new Date('2026-01-01T00:00:00Z') },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', field: 'to' });
    await expect(
      documentDiffer(t.db, {
        ...input,
        from: { kind: 'version', versionId: '0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a' },
        to: { kind: 'live' },
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'from' });
    const version = await documentVersionCreator(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      label: null,
    });
    expect(
      await documentDiffer(t.db, {
        ...input,
        from: { kind: 'version', versionId: version.id },
        to: { kind: 'live' },
      }),
    ).toEqual({ changes: [] });
  });
});
