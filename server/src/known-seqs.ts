/** Entries kept at most per document; beyond it the oldest go (costing a re-fetch). */
const MAX_KNOWN = 100_000;

/**
 * Log rows (by global seq) a loaded document already holds in memory: its own
 * instance's commits, and rows received over Redis or fetched by the log follower. The
 * follower lists the rows at or above the document's horizon each round and fetches
 * only those not in here.
 *
 * Bounded by pruning: an entry is needed only while its row can still be listed, i.e.
 * while its xid is at or above the horizon. After a round, an entry that existed before
 * the round's query and was not listed by it has fallen below the horizon for good (its
 * row was committed when the entry was added), so it goes. Entries added during the
 * round are kept until the next one: their row may have committed after the query's
 * snapshot.
 */
export class KnownSeqs {
  private readonly seqs = new Map<number, number>();
  private round = 0;

  add(seq: number): void {
    this.seqs.delete(seq);
    this.seqs.set(seq, this.round);
    if (this.seqs.size > MAX_KNOWN) {
      const oldest = this.seqs.keys().next().value;
      if (oldest !== undefined) this.seqs.delete(oldest);
    }
  }

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  get size(): number {
    return this.seqs.size;
  }

  /** Call before the round's query; pass the result to endRound. */
  beginRound(): number {
    return ++this.round;
  }

  /** Forgets entries older than `round` that the round's listing did not contain. */
  endRound(round: number, listed: ReadonlySet<number>): void {
    for (const [seq, added] of this.seqs) {
      if (added < round && !listed.has(seq)) this.seqs.delete(seq);
    }
  }
}
