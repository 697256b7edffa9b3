import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentContentReader } from './document-content-reader.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentStateRebuilder, parseEtag, stateEtag, versionEtag } from './document-etag.js';
import { documentVersionCreator } from './document-version-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('ETags', () => {
  it('parses what it makes, and nothing else', () => {
    expect(parseEtag(stateEtag({ coversXid: '3', seen: '100:105:101,103' }))).toEqual({
      kind: 'state',
      coversXid: '3',
      seen: '100:105:101,103',
    });
    expect(parseEtag(versionEtag('abc-123'))).toEqual({ kind: 'version', versionId: 'abc-123' });
    for (const tag of [
      's.3.100:105:',
      '"s.x.1:2:"',
      '"s.3.not-a-snapshot"',
      '"v.bad id"',
      '"w.1"',
      `"${'v.'.padEnd(5000, 'a')}"`,
    ]) {
      expect(parseEtag(tag)).toBeUndefined();
    }
  });
});

describe('documentStateRebuilder', () => {
  it('rebuilds exactly the state a read named, after later writes and a compaction', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: user.id,
      replacement: { text: 'first' },
    });
    const read = await documentContentReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: user.id,
      format: 'text',
    });
    const tag = stateEtag(read.basis);
    read.doc.destroy();
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: user.id,
      replacement: { text: 'second' },
    });
    await documentCompactor(t.db, doc.id);
    const rebuilt = await documentStateRebuilder(t.db, doc.id, tag);
    expect(documentText(rebuilt)).toBe('first');
    rebuilt.destroy();

    const version = await documentVersionCreator(t.db, { documentId: doc.id, actorId: user.id, label: null });
    const fromVersion = await documentStateRebuilder(t.db, doc.id, versionEtag(version.id));
    expect(documentText(fromVersion)).toBe('second');
    fromVersion.destroy();
  });

  it('answers 412 for a tag that is not ours or names a version that is gone', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    await expect(documentStateRebuilder(t.db, doc.id, '"nonsense"')).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      field: 'If-Match',
    });
    await expect(documentStateRebuilder(t.db, doc.id, versionEtag('no-such-version'))).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
  });
});
