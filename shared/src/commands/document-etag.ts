import * as Y from 'yjs';
import { findDocumentState } from '../db/repositories/document-states.js';
import { type LogPosition, listDocumentUpdatesFrom } from '../db/repositories/document-updates.js';
import { findDocumentVersion } from '../db/repositories/document-versions.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { EMPTY_HORIZON, type LoadedDocumentState } from './document-state-loader.js';

/**
 * ETags of document content. A tag names one exact state, so that a later write can be
 * merged from it (`If-Match`) and a diff can start or end at it:
 *
 * - `"s.<coversXid>.<snapshot>"` — the live content as a REST read loaded it: the
 *   compacted snapshot with horizon `coversXid` (EMPTY_HORIZON: none) plus every
 *   update-log row visible to the Postgres snapshot `<xmin>:<xmax>:<xip,…>`. The
 *   compacted snapshot had committed before that Postgres snapshot was taken, so the
 *   state is exactly "every log row visible to it": the update log is append-only, so
 *   it can always be rebuilt by replaying those rows, and cheaply from the compacted
 *   snapshot while that is still the current one (compaction replaces it).
 * - `"v.<versionId>"` — a stored version's content.
 *
 * Neither names content by its bytes: two reads of one state may carry different tags
 * (the Postgres snapshot moved on), which If-Match and diff handle alike.
 */
export type DocumentStateName =
  | { kind: 'state'; coversXid: string; seen: string }
  | { kind: 'version'; versionId: string };

/** Log rows replayed at most to rebuild a named state; an older one answers 412. */
export const REBUILD_MAX_ROWS = 200_000;

const PAGE = 2_000;
const MAX_TAG_CHARS = 4_096;
const SNAPSHOT = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20})(?:,\d{1,20})*)?$/;

export function stateEtag(basis: LoadedDocumentState['basis']): string {
  return `"s.${basis.coversXid}.${basis.seen}"`;
}

export function versionEtag(versionId: string): string {
  return `"v.${versionId}"`;
}

/** The state an ETag names, or undefined when it is not one of ours. */
export function parseEtag(tag: string): DocumentStateName | undefined {
  if (tag.length > MAX_TAG_CHARS) return undefined;
  const quoted = /^"([^"]*)"$/.exec(tag.trim());
  const value = quoted?.[1];
  if (value === undefined) return undefined;
  if (value.startsWith('v.')) {
    const versionId = value.slice(2);
    return /^[A-Za-z0-9-]{1,64}$/.test(versionId) ? { kind: 'version', versionId } : undefined;
  }
  const state = /^s\.(\d{1,20})\.(.+)$/.exec(value);
  if (!state?.[1] || !state[2] || !SNAPSHOT.test(state[2])) return undefined;
  return { kind: 'state', coversXid: state[1], seen: state[2] };
}

function stale(message: string): FolioError {
  return new FolioError('PRECONDITION_FAILED', `${message}; read the content again for a current ETag`, {
    field: 'If-Match',
  });
}

/**
 * Rebuilds the state an ETag names (the caller destroys the doc). Throws
 * PRECONDITION_FAILED (412) when the tag is not one of ours, its version is gone, or
 * rebuilding it would replay more than REBUILD_MAX_ROWS log rows.
 */
export async function documentStateRebuilder(db: Handle, documentId: string, tag: string): Promise<Y.Doc> {
  const name = parseEtag(tag);
  if (!name) throw stale('not an ETag of this document');
  return rebuildNamedState(db, documentId, name, stale);
}

/** As `documentStateRebuilder`, for a parsed name; `refuse` makes the error to throw. */
export async function rebuildNamedState(
  db: Handle,
  documentId: string,
  name: DocumentStateName,
  refuse: (message: string) => Error,
): Promise<Y.Doc> {
  const doc = new Y.Doc({ gc: false });
  try {
    if (name.kind === 'version') {
      const version = await findDocumentVersion(db, documentId, name.versionId);
      if (!version) throw refuse('the version this ETag names is gone');
      Y.applyUpdate(doc, version.snapshot);
      return doc;
    }
    // The compacted snapshot the read started from, if it is still the current one
    // (a compaction only ever replaces it with one of a higher horizon).
    const current = await findDocumentState(db, documentId);
    let from = EMPTY_HORIZON;
    if (current && current.covers_xid === name.coversXid) {
      Y.applyUpdate(doc, current.snapshot);
      from = name.coversXid;
    }
    let after: LogPosition | undefined;
    let replayed = 0;
    for (;;) {
      const page = await listDocumentUpdatesFrom(
        db,
        documentId,
        { xid: from, visibleIn: name.seen, ...(after ? { after } : {}) },
        PAGE,
      ).catch((error: unknown) => {
        // A snapshot Postgres cannot parse (22P02): not a state of ours.
        if ((error as { code?: string }).code === '22P02') throw refuse('not an ETag of this document');
        throw error;
      });
      replayed += page.rows.length;
      if (replayed > REBUILD_MAX_ROWS) {
        throw refuse(`the state this ETag names is more than ${REBUILD_MAX_ROWS} edits back`);
      }
      doc.transact(() => {
        for (const row of page.rows) Y.applyUpdate(doc, row.update);
      });
      const last = page.rows.at(-1);
      if (last) after = { xid: last.xid, seq: last.seq };
      if (page.rows.length < PAGE) break;
    }
    return doc;
  } catch (error) {
    doc.destroy();
    throw error;
  }
}
