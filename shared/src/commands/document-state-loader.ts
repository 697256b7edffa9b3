import * as Y from 'yjs';
import { findDocumentState } from '../db/repositories/document-states.js';
import { type LogPosition, listDocumentUpdatesFrom } from '../db/repositories/document-updates.js';
import type { Handle } from '../db/repositories/handle.js';

export interface LoadedDocumentState {
  doc: Y.Doc;
  /**
   * The transaction horizon the state covers: every log row with xid below it is in
   * `doc` (rows at or above it may be too). Catch up by reading rows with xid >= it.
   */
  horizon: string;
  /** The highest seq applied (informational: seq order is not commit order). */
  seq: number;
  /** Log rows applied on top of the snapshot; compaction is worth it when this grows. */
  rowsAfterSnapshot: number;
  /**
   * Exactly which state this is: the compacted snapshot it started from (its horizon,
   * EMPTY_HORIZON for none) plus every log row visible to the Postgres snapshot `seen`
   * (as text). See `document-etag.ts`, which names states by these two.
   */
  basis: { coversXid: string; seen: string };
  /**
   * Bytes read: the snapshot plus every row applied — an upper bound of the state's
   * encoded size, known without encoding it.
   */
  bytes: number;
}

export interface StateLoadOptions {
  /**
   * Apply the state into this document instead of a new one (the collaboration server
   * loads straight into Hocuspocus's document: decoding a large state once, not twice).
   */
  into?: Y.Doc;
  /** Transaction origin of what is applied to `into`. */
  origin?: unknown;
}

/** Rows read per round trip, so a long tail never sits in memory all at once. */
const PAGE = 2_000;

/** Horizon below every real transaction id: covers nothing. */
export const EMPTY_HORIZON = '3';

/**
 * A document's current state: the latest snapshot plus every log row it may lack (xid
 * at or above the horizon it covers) that the first page's Postgres snapshot saw. The
 * result covers the horizon of that snapshot: every row with a smaller xid was visible
 * to it, and a row visible to it is read by the first page or, with a larger (xid, seq)
 * key, by a later one (which keeps to the same visibility). Rows read twice are
 * harmless: Yjs updates are idempotent. Rows were validated before they were written,
 * so Yjs may decode them.
 */
export async function documentStateLoader(
  db: Handle,
  documentId: string,
  options: StateLoadOptions = {},
): Promise<LoadedDocumentState> {
  const doc = options.into ?? new Y.Doc();
  const origin = options.origin ?? null;
  const state = await findDocumentState(db, documentId);
  let seq = 0;
  let bytes = 0;
  if (state) {
    Y.applyUpdate(doc, state.snapshot, origin);
    seq = Number(state.seq);
    bytes += state.snapshot.byteLength;
  }
  const from = state?.covers_xid ?? EMPTY_HORIZON;
  let horizon: string | undefined;
  let seen: string | undefined;
  let after: LogPosition | undefined;
  let rowsAfterSnapshot = 0;
  for (;;) {
    const page = await listDocumentUpdatesFrom(
      db,
      documentId,
      // Later pages keep to what the first one's snapshot saw, so the result is exactly
      // that snapshot's state (the horizon only needs rows below it, which it has).
      { xid: from, ...(after ? { after } : {}), ...(seen ? { visibleIn: seen } : {}) },
      PAGE,
    );
    horizon ??= page.horizon;
    seen ??= page.snapshot;
    // One transaction per page: observers and the state vector are computed once.
    doc.transact(() => {
      for (const row of page.rows) {
        Y.applyUpdate(doc, row.update, origin);
        bytes += row.update.byteLength;
      }
    }, origin);
    rowsAfterSnapshot += page.rows.length;
    const last = page.rows.at(-1);
    if (last) {
      after = { xid: last.xid, seq: last.seq };
      seq = Math.max(seq, ...page.rows.map((r) => r.seq));
    }
    if (page.rows.length < PAGE) break;
  }
  return {
    doc,
    horizon: horizon as string,
    seq,
    rowsAfterSnapshot,
    basis: { coversXid: from, seen: seen as string },
    bytes,
  };
}
