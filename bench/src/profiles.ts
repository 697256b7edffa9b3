import type { TargetId } from './targets.js';

/** How big and how long each scenario is: the figures, and a quick mode for CI. */
export interface TypingProfile {
  clients: number;
  docs: number;
  /** Each client types one character every intervalMs. */
  intervalMs: number;
  warmupMs: number;
  durationMs: number;
}

export interface Profiles {
  small: TypingProfile;
  medium: TypingProfile;
  saturation: Omit<TypingProfile, 'intervalMs'> & { intervalsMs: number[]; p99LimitMs: number };
  /**
   * Keystroke transactions replayed, grouped per update, sent at most updatesPerSecond
   * (Folio closes sockets sending more than 300 messages/s; every server gets the same pace).
   */
  cold: { transactions: number; keystrokesPerUpdate: number; updatesPerSecond: number; repeats: number };
  idle: { connections: number; docs: number };
  durability: TypingProfile;
  /**
   * Trace replay: the first `keystrokes` transactions of each trace (Infinity: all), at
   * most `maxInFlight` unacknowledged per client, cut off after `timeCapMs`.
   */
  replay: {
    keystrokes: number;
    twoAuthorKeystrokes: number;
    maxInFlight: number;
    timeCapMs: number;
    /** Servers replayed against (quick mode: Folio and the plain baseline the target is a ratio to). */
    servers: TargetId[];
  };
  /** Documents seeded for search; queries timed sequentially, then as many with `concurrency` callers. */
  search: { documents: number; warmupQueries: number; queries: number; concurrency: number };
  /** A Markdown document of `paragraphs` paragraphs (~110 bytes each), `rounds` stale If-Match writes. */
  safeWrite: { paragraphs: number; rounds: number };
  /** Encryption cost: rounds of (on, off), the second one reversed (off, on). */
  encryptionRounds: number;
  /** Edits timed one at a time to their webhook; events delivered at once for the throughput. */
  webhooks: { edits: number; deliveries: number };
  workers: number;
  /** After the measured window, how long receivers keep listening for late edits. */
  drainMs: number;
  /** Pause before reading RSS (idle) and before restarting a server that must store (cold load). */
  settleMs: number;
}

export const fullProfiles: Profiles = {
  small: { clients: 50, docs: 1, intervalMs: 400, warmupMs: 2_000, durationMs: 8_000 },
  medium: { clients: 500, docs: 100, intervalMs: 100, warmupMs: 2_000, durationMs: 8_000 },
  // Five editors per document as in the medium profile; the offered rate doubles per step.
  saturation: {
    clients: 100,
    docs: 20,
    intervalsMs: [400, 200, 100, 50, 25, 12.5],
    warmupMs: 1_000,
    durationMs: 4_000,
    p99LimitMs: 100,
  },
  cold: {
    transactions: Number.POSITIVE_INFINITY,
    keystrokesPerUpdate: 100,
    updatesPerSecond: 200,
    repeats: 3,
  },
  idle: { connections: 2_000, docs: 100 },
  durability: { clients: 50, docs: 10, intervalMs: 100, warmupMs: 1_000, durationMs: 8_000 },
  replay: {
    keystrokes: Number.POSITIVE_INFINITY,
    twoAuthorKeystrokes: Number.POSITIVE_INFINITY,
    maxInFlight: 256,
    timeCapMs: 90_000,
    servers: ['folio', 'hocuspocus', 'stock', 'y-websocket'],
  },
  search: { documents: 100_000, warmupQueries: 16, queries: 150, concurrency: 8 },
  // About 1 MB of Markdown.
  safeWrite: { paragraphs: 6_500, rounds: 5 },
  encryptionRounds: 2,
  webhooks: { edits: 40, deliveries: 3_000 },
  workers: 3,
  drainMs: 1_000,
  settleMs: 1_500,
};

export const quickProfiles: Profiles = {
  small: { clients: 10, docs: 1, intervalMs: 200, warmupMs: 100, durationMs: 600 },
  medium: { clients: 40, docs: 8, intervalMs: 100, warmupMs: 100, durationMs: 600 },
  saturation: {
    clients: 20,
    docs: 4,
    intervalsMs: [100, 25],
    warmupMs: 100,
    durationMs: 600,
    p99LimitMs: 100,
  },
  cold: { transactions: 20_000, keystrokesPerUpdate: 100, updatesPerSecond: 400, repeats: 1 },
  idle: { connections: 100, docs: 10 },
  durability: { clients: 10, docs: 2, intervalMs: 100, warmupMs: 100, durationMs: 600 },
  replay: {
    keystrokes: 400,
    twoAuthorKeystrokes: 400,
    maxInFlight: 256,
    timeCapMs: 1_500,
    servers: ['folio', 'hocuspocus', 'y-websocket'],
  },
  search: { documents: 2_000, warmupQueries: 5, queries: 30, concurrency: 4 },
  safeWrite: { paragraphs: 200, rounds: 1 },
  encryptionRounds: 1,
  webhooks: { edits: 3, deliveries: 100 },
  workers: 2,
  drainMs: 200,
  settleMs: 300,
};
