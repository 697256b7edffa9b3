import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import type { Handle } from '../db/repositories/handle.js';
import { type ContentWrite, contentChange, refuseContentBeyondLimits } from './document-content-replacer.js';
import { documentStateRebuilder } from './document-etag.js';
import { changeInPlace, type DocumentWriteResult, documentWriter, REST_ORIGIN } from './document-writer.js';

/**
 * `PUT /v1/documents/:id/content` with `If-Match`: the body is what the caller made of
 * the state the ETag names, so only the change from that state to the body is applied,
 * and whatever others did since stays.
 *
 * How: the named state is rebuilt exactly from the update log (`documentStateRebuilder`),
 * the body is applied to it the way every content write is (y-prosemirror's
 * `prosemirrorToYXmlFragment` diffing the document structure for XML fragments — blocks
 * that did not change are kept, changed text blocks get a text diff — and a text diff
 * for Y.Text), and the Yjs update that emitted is applied to the live document. That
 * update deletes only items of the old state the caller removed, and inserts new items
 * anchored to their neighbours in the old state (Yjs origins, i.e. relative positions),
 * so Yjs's own merge places them where those neighbours are now: text typed meanwhile
 * is never deleted by it, and the caller's change lands where it was made. Stored,
 * audited and announced like every REST write.
 */
export async function documentContentMerger(
  db: Handle,
  input: ContentWrite & {
    /** The `If-Match` header: an ETag of a content read of this document. */
    ifMatch: string;
  },
  bus?: CollabBus,
): Promise<DocumentWriteResult> {
  const field = 'text' in input.replacement ? 'text' : 'markdown';
  refuseContentBeyondLimits(input.replacement);
  const base = await documentStateRebuilder(db, input.documentId, input.ifMatch);
  let change: Uint8Array | undefined;
  try {
    change = (await contentChange(input.converter, Y.encodeStateAsUpdate(base), input.replacement)).update;
  } finally {
    base.destroy();
  }
  return documentWriter(
    db,
    { ...input, field },
    ({ doc }) => {
      if (!change) return { update: undefined };
      const update = change;
      return changeInPlace(doc, () => {
        Y.applyUpdate(doc, update, REST_ORIGIN);
        // The live state holds every row of the named one, so nothing can be missing.
        if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
          throw new Error('a merged change depends on state the live document lacks');
        }
      });
    },
    bus,
  );
}
