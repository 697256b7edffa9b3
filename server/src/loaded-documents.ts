import { KnownSeqs } from './known-seqs.js';

/**
 * One loaded document's place in the update log, changed only through its methods: the
 * persistence extension creates it at load and records its own commits; the update
 * relay and the log follower record what they apply; only the follower moves the
 * horizon, after a listing proved every row below the new one is in memory.
 */
export class DocumentLog {
  private known = new KnownSeqs();
  /** Committed rows applied in memory since the document was loaded or last compacted. */
  private rowsSinceSnapshot = 0;

  constructor(
    private currentHorizon: string,
    private bytes: number,
    private highestSeq: number,
  ) {}

  /**
   * Transaction horizon: every log row with xid below it is applied to the in-memory
   * document. The log follower reads rows at or above it.
   */
  get horizon(): string {
    return this.currentHorizon;
  }

  /** Upper bound of the encoded state: the bytes loaded plus every update since. */
  get approxBytes(): number {
    return this.bytes;
  }

  /** A row at or above the horizon is in memory already (own commit, received): skip it. */
  has(seq: number): boolean {
    return this.known.has(seq);
  }

  /** The row is in memory now. */
  add(seq: number): void {
    this.known.add(seq);
    this.highestSeq = Math.max(this.highestSeq, seq);
    this.rowsSinceSnapshot++;
  }

  /** The highest seq in memory (informational: seq order is not commit order). */
  get seq(): number {
    return this.highestSeq;
  }

  /** Committed rows applied since the last snapshot: zero means a compaction has nothing to add. */
  get rowsSinceCompaction(): number {
    return this.rowsSinceSnapshot;
  }

  /** An update was applied in memory (its bytes count towards the document's size). */
  grow(bytes: number): void {
    this.bytes += bytes;
  }

  /**
   * A compaction measured the stored state: the estimate becomes that size plus whatever
   * arrived since the estimate `before` was taken (it only ever grows in between).
   */
  rebase(storedBytes: number, before: number): void {
    this.bytes = storedBytes + Math.max(0, this.bytes - before);
  }

  /** A snapshot now holds `rows` of the rows counted since the last one. */
  compacted(rows: number): void {
    this.rowsSinceSnapshot = Math.max(0, this.rowsSinceSnapshot - rows);
  }

  /** Call before a follower round's listing; pass the result to `advance`. */
  beginRound(): number {
    return this.known.beginRound();
  }

  /**
   * A follower round listed the rows at or above the horizon (`listed`) and applied the
   * missing ones. With a complete listing every row below `horizon` (the listing's own)
   * is in memory, so the horizon moves up; a cut listing keeps it and lists again.
   */
  advance(round: number, listed: ReadonlySet<number>, horizon: string | undefined): void {
    if (horizon !== undefined) this.currentHorizon = horizon;
    this.known.endRound(round, listed);
  }
}

/**
 * The documents this instance has loaded, by name, each with its DocumentLog. A reload
 * makes a new DocumentLog, so work that started on the old copy checks `isCurrent`
 * before it records anything.
 */
export class LoadedDocuments {
  private readonly logs = new Map<string, DocumentLog>();

  /** The document was loaded from storage: every row below `horizon` is in memory. */
  load(name: string, horizon: string, approxBytes: number, seq = 0): DocumentLog {
    const log = new DocumentLog(horizon, approxBytes, seq);
    this.logs.set(name, log);
    return log;
  }

  unload(name: string): void {
    this.logs.delete(name);
  }

  get(name: string): DocumentLog | undefined {
    return this.logs.get(name);
  }

  has(name: string): boolean {
    return this.logs.has(name);
  }

  /** Whether `log` is still what is loaded under `name` (not unloaded or reloaded since). */
  isCurrent(name: string, log: DocumentLog | undefined): log is DocumentLog {
    return log !== undefined && this.logs.get(name) === log;
  }

  names(): string[] {
    return [...this.logs.keys()];
  }

  entries(): [string, DocumentLog][] {
    return [...this.logs];
  }
}
