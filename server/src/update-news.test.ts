import { validateUpdateV1 } from '@folio/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { carriesNews } from './update-news.js';

/** A small deterministic generator, so a failure names the seed that reproduces it. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** The definition the fast check replaces: the whole document's snapshot. */
function reference(doc: Y.Doc, update: Uint8Array): boolean {
  const summary = validateUpdateV1(update);
  for (const [client, end] of summary.clockEnds) if (end > Y.getState(doc.store, client)) return true;
  if (summary.deleteRangeCount === 0) return false;
  return !Y.snapshotContainsUpdate(Y.snapshot(doc), update);
}

describe('carriesNews', () => {
  it('agrees with Y.snapshotContainsUpdate on random edits, resent delete sets and stale peers', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const server = new Y.Doc();
      const peers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
      const updates: Uint8Array[] = [];
      for (const peer of peers) peer.on('update', (u: Uint8Array) => updates.push(u));
      for (let step = 0; step < 80; step++) {
        const peer = peers[next(peers.length)] as Y.Doc;
        const text = peer.getText('t');
        if (text.length > 0 && next(3) === 0)
          text.delete(next(text.length), 1 + next(Math.min(5, text.length)));
        else text.insert(next(text.length + 1), 'abc'.slice(next(3)));
        if (next(4) === 0) {
          // A peer catches up with another, as providers do.
          const other = peers[next(peers.length)] as Y.Doc;
          Y.applyUpdate(peer, Y.encodeStateAsUpdate(other));
        }
        // Candidates: fresh updates, old ones, and whole states (SyncStep2 resends).
        const candidates = [
          ...updates.splice(0),
          Y.encodeStateAsUpdate(peer),
          Y.encodeStateAsUpdate(peer, Y.encodeStateVector(server)),
        ];
        for (const update of candidates) {
          const summary = validateUpdateV1(update);
          const expected = reference(server, update);
          expect(carriesNews(server, summary, update), `seed ${seed}, step ${step}`).toBe(expected);
          if (next(2) === 0) Y.applyUpdate(server, update);
        }
      }
    }
  });

  it('finds nothing new in a delete set the document already holds', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello world');
    doc.getText('t').delete(0, 6);
    const resent = Y.encodeStateAsUpdate(doc);
    expect(validateUpdateV1(resent).deleteRangeCount).toBeGreaterThan(0);
    expect(carriesNews(doc, validateUpdateV1(resent), resent)).toBe(false);
    const behind = new Y.Doc();
    Y.applyUpdate(behind, Y.encodeStateAsUpdate(doc));
    behind.getText('t').delete(0, 1);
    const deletion = Y.encodeStateAsUpdate(behind, Y.encodeStateVector(doc));
    expect(carriesNews(doc, validateUpdateV1(deletion), deletion)).toBe(true);
  });
});
