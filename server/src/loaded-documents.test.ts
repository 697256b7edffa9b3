import { describe, expect, it } from 'vitest';
import { LoadedDocuments } from './loaded-documents.js';

describe('LoadedDocuments', () => {
  it('tells work on a copy that was reloaded meanwhile that it is stale', () => {
    const loaded = new LoadedDocuments();
    const first = loaded.load('doc', '100', 10);
    expect(loaded.isCurrent('doc', first)).toBe(true);
    loaded.unload('doc');
    expect(loaded.isCurrent('doc', first)).toBe(false);
    const second = loaded.load('doc', '200', 10);
    expect(loaded.isCurrent('doc', first)).toBe(false);
    expect(loaded.isCurrent('doc', second)).toBe(true);
    expect(loaded.names()).toEqual(['doc']);
  });

  it('moves the horizon only on a complete listing, and forgets rows that fell below it', () => {
    const log = new LoadedDocuments().load('doc', '100', 0);
    log.add(7);
    const round = log.beginRound();
    log.add(8); // committed during the round: kept until a later round has seen it
    log.advance(round, new Set([7]), undefined); // a cut listing
    expect(log.horizon).toBe('100');
    expect(log.has(7)).toBe(true);
    const next = log.beginRound();
    log.advance(next, new Set([8]), '150');
    expect(log.horizon).toBe('150');
    expect(log.has(7)).toBe(false);
    expect(log.has(8)).toBe(true);
  });

  it('re-bases the size estimate on a compaction, keeping what arrived meanwhile', () => {
    const log = new LoadedDocuments().load('doc', '1', 1_000);
    const before = log.approxBytes;
    log.grow(50); // arrives while the compaction runs
    log.rebase(600, before);
    expect(log.approxBytes).toBe(650);
  });
});
