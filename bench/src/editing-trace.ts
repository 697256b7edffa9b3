import * as Y from 'yjs';
import { readTrace } from './trace-replay.js';

export interface RecordedHistory {
  /** One Yjs update per chunk of keystroke transactions, in order. */
  updates: Uint8Array[];
  operations: number;
  deletions: number;
  historyBytes: number;
  /** Encoded state after replaying everything (what a server stores as a snapshot). */
  stateBytes: number;
  textLength: number;
}

/**
 * Replays the first `limit` transactions of the automerge-paper keystroke trace (Kleppmann,
 * CC BY 4.0) into a Y.Text named `text`, as a client would type it. Keystrokes are grouped
 * `perUpdate` to a Yjs transaction: sending 260,000 one-keystroke frames would take minutes
 * under a per-socket rate limit, and measure the seeding, not the load.
 */
export function recordHistory(limit: number, perUpdate: number): RecordedHistory {
  const trace = readTrace('automerge-paper');
  const txns = trace.txns.slice(0, limit);
  const doc = new Y.Doc();
  const text = doc.getText('text');
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  let operations = 0;
  let deletions = 0;
  for (let start = 0; start < txns.length; start += perUpdate) {
    doc.transact(() => {
      for (const txn of txns.slice(start, start + perUpdate)) {
        for (const [position, deleteCount, insert] of txn.patches) {
          // The trace is ASCII only, so code points and UTF-16 indexes agree.
          if (deleteCount > 0) {
            text.delete(position, deleteCount);
            deletions += deleteCount;
          }
          if (insert.length > 0) text.insert(position, insert);
          operations += deleteCount + insert.length;
        }
      }
    });
  }
  if (limit >= trace.txns.length && text.toString() !== trace.endContent) {
    throw new Error('replaying the trace did not reproduce its endContent');
  }
  const historyBytes = updates.reduce((n, u) => n + u.byteLength, 0);
  const stateBytes = Y.encodeStateAsUpdate(doc).byteLength;
  const textLength = text.length;
  doc.destroy();
  return { updates, operations, deletions, historyBytes, stateBytes, textLength };
}
