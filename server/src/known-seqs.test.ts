import { describe, expect, it } from 'vitest';
import { KnownSeqs } from './known-seqs.js';

describe('KnownSeqs', () => {
  it('forgets a seq once a round no longer lists it, but keeps one added during the round', () => {
    const known = new KnownSeqs();
    known.add(10);
    known.add(11);
    const round = known.beginRound();
    // Added while the round's query ran: its row may have committed after that snapshot.
    known.add(12);
    // The listing still has 11 (at or above the horizon); 10 fell below it.
    known.endRound(round, new Set([11]));
    expect([10, 11, 12].map((s) => known.has(s))).toEqual([false, true, true]);
    const next = known.beginRound();
    known.endRound(next, new Set());
    expect(known.size).toBe(0);
  });
});
