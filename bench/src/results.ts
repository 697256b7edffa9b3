import type { Percentiles } from './stats.js';
import type { Protocol, TargetId } from './targets.js';

/** A measurement that could not be taken, and why: always a string starting with "n/a". */
export type NotAvailable = `n/a${string}`;
export type Outcome<T> = T | { na: NotAvailable };

export const isNa = <T>(outcome: Outcome<T>): outcome is { na: NotAvailable } =>
  typeof outcome === 'object' && outcome !== null && 'na' in outcome;

export interface TypingResult {
  clients: number;
  docs: number;
  instances: number;
  offeredEditsPerSec: number;
  sends: number;
  expectedDeliveries: number;
  deliveries: number;
  deliveredRatio: number;
  /** Deliveries that arrived within 1 s of their send, of the expected deliveries. */
  deliveredWithinSecondRatio: number;
  latencyMs: Percentiles;
  /** Edit → the provider's count of unacknowledged edits dropping past it (SyncStatus). */
  ackMs: Percentiles | NotAvailable;
  deliveredPerSec: number;
  /** Over all instances, % of one core. */
  serverCpuPercent: number;
  /**
   * Postgres backends serving the bench database over the window, % of one core: a server
   * that commits per edit moves work there, and it is part of its cost.
   */
  databaseCpuPercent: number;
  /** Server CPU over the window per delivered update, µs. */
  serverCpuUsPerDelivery: number | NotAvailable;
  /**
   * The same counting the bench database's Postgres backends and, for servers started with
   * Redis, the redis-server process (which other work on the machine may share).
   */
  storageCpuUsPerDelivery: number | NotAvailable;
  /** Sum over instances at the end of the run. */
  serverRssMb: number;
  /** Sum over client processes, % of one core: when near 100 × processes, the clients limit. */
  clientCpuPercent: number;
  /** Whole machine, % of one core: beyond server + clients, other load on a shared machine. */
  machineCpuPercent: number;
  connectMs: number;
  connectFailures: number;
}

/** Cross-instance: never n/a for falling behind (delivered within 1 s is then the figure). */
export interface CrossInstanceResult extends Omit<TypingResult, 'latencyMs'> {
  /** n/a when nothing arrived within the drain. */
  latencyMs: Percentiles | NotAvailable;
  /** Postgres backends sampled every 50 ms waiting on a heavyweight lock. */
  lockWaitSamples: number;
  /** Every lock-wait sample by wait event and statement. */
  lockWaits: Record<string, number>;
}

export interface SaturationResult {
  steps: TypingResult[];
  /** Highest offered rate whose p99 stayed within the limit with ≥ 95 % delivered. */
  sustainedEditsPerSec: number | NotAvailable;
  sustainedDeliveriesPerSec: number | NotAvailable;
  stoppedBecause: string;
}

export interface ColdLoadResult {
  /** Updates the history was sent as (each a group of keystrokes). */
  updates: number;
  operations: number;
  deletions: number;
  historyBytes: number;
  stateBytes: number;
  textLength: number;
  /** Median time from creating the provider to holding the whole text. */
  loadMs: number;
  /** Median time until the provider reported synced. */
  syncedMs: number;
  samplesMs: number[];
}

export interface IdleResult {
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** RSS growth per connection after two full GCs (the "memory per idle connection"). */
  bytesPerConnection: number;
  /** Growth of V8 heap used + external memory per connection, after the same GCs. */
  heapBytesPerConnection: number;
}

export interface DurabilityResult {
  edits: number;
  editBytes: number;
  editsPerSec: number;
  databaseBytes: number | NotAvailable;
  bytesPerEditByte: number | NotAvailable;
  commits: number | NotAvailable;
  commitsPerSec: number | NotAvailable;
  /** n_tup_ins + n_tup_upd + n_tup_del over the bench database's tables (pg_stat_user_tables). */
  tuplesWritten: number | NotAvailable;
  /** Every edit sent while the server ran, warm-up and drain included. */
  editsStored: number;
  tuplesPerEdit: number | NotAvailable;
  /** Cluster-wide WAL growth: includes whatever else the Postgres server did meanwhile. */
  walBytes: number | NotAvailable;
  ackP50Ms: number | NotAvailable;
  ackP99Ms: number | NotAvailable;
}

export interface ReplayResult {
  /** Clients, one per author, and the instances they were on. */
  writers: number;
  instances: number;
  maxInFlight: number;
  /** Keystroke transactions in the replayed range, and how many were acknowledged. */
  keystrokes: number;
  acknowledged: number;
  acknowledgedRatio: number;
  elapsedMs: number;
  keystrokesPerSec: number;
  /** Sockets the server closed during the replay (the provider reconnected). */
  closes: number;
  textLength: number;
  /** Cold load of the replayed history (one update per keystroke) after a restart. */
  coldLoadMs?: number | NotAvailable;
}

export interface SearchLatency {
  queries: number;
  /** Callers issuing queries at once, each waiting for its answer before the next. */
  concurrency: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  queriesPerSec: number;
  /** Median per kind of query of the mix (word, two words, phrase, or, negation). */
  p50MsByKind: Record<string, number>;
  /** Items per answer (at most the page size, 20). */
  meanHits: number;
  /** The API process, % of one core. */
  apiCpuPercent: number;
  /** Postgres backends of the bench database (the API's pool and the harness's), % of one core. */
  databaseCpuPercent: number;
  /** The harness process itself (the callers: fetch and JSON parsing), % of one core. */
  clientCpuPercent?: number;
  /** CPU-milliseconds per query of the API, Postgres and the callers together. */
  cpuMsPerQuery?: number;
  /** The machine's 1-minute load average when the measurement ended (other sessions share it). */
  loadAverage?: number;
}

export interface SearchResult {
  documents: number;
  /** Bulk-inserting documents and search rows, and ANALYZE. */
  seedMs: number;
  /** The sequential figures, repeated at the top level for the table. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  queriesPerSec: number;
  sequential: SearchLatency;
  concurrent: SearchLatency;
}

/** `safeWriteScenario`: an If-Match write on a large document, stale by one edit. */
export interface SafeWriteResult {
  paragraphs: number;
  markdownBytes: number;
  rounds: number;
  /** `GET …/content?format=markdown`, median. */
  readMs: number;
  /** `PUT …/content` with a stale `If-Match`: rebuild the read state, merge, store. */
  mergeMs: number;
  mergeMaxMs: number;
  /** Bytes of the update the merge stored, median. */
  updateBytes: number;
}

export interface EncryptionModeResult {
  ackP50Ms: number | NotAvailable;
  ackP99Ms: number | NotAvailable;
  coldLoadMs: number;
  /** Every round's figure (interleaved with the other mode). */
  samples: { ackP99Ms: number[]; coldLoadMs: number[] };
}

/** Folio's write path and cold load with ENCRYPTION on and off (target: ≤ 10 % more). */
export interface EncryptionCostResult {
  on: EncryptionModeResult;
  off: EncryptionModeResult;
  ackP99OverheadPercent: number | NotAvailable;
  coldLoadOverheadPercent: number | NotAvailable;
}

/** `webhookScenario`: edit → `document.updated` on a loopback receiver, and the queue's throughput. */
export interface WebhookResult {
  /** `WEBHOOK_DEBOUNCE_MS` of the run (0: the pipeline alone; the default adds up to 5 s by design). */
  debounceMs: number;
  edits: number;
  /** From the start of `PUT …/content` to the signed `document.updated` arriving. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMaxMs: number;
  /** Medians: the edit's commit → its delivery row (summariser pass, relay)… */
  toDeliveryRowMs: number;
  /** …and that row → delivered (lane job, signing, POST). */
  toDeliveredMs: number;
  /** Events recorded at once, one lane each, until every one was delivered (2xx). */
  deliveries: number;
  deliveriesPerSec: number;
}

export type PerTarget<T> = Record<TargetId, Outcome<T>>;

export interface Scenarios {
  typingSmall: PerTarget<TypingResult>;
  typingMedium: PerTarget<TypingResult>;
  crossInstance: PerTarget<CrossInstanceResult>;
  saturation: PerTarget<SaturationResult>;
  coldLoad: PerTarget<ColdLoadResult>;
  idleConnections: PerTarget<IdleResult>;
  durability: PerTarget<DurabilityResult>;
  replay: PerTarget<ReplayResult>;
  replayTwoAuthors: PerTarget<ReplayResult>;
  search: PerTarget<SearchResult>;
  /** Absent from results written before the scenario existed. */
  safeWrite?: PerTarget<SafeWriteResult>;
  /** Absent from results written before the scenario existed. */
  encryption?: PerTarget<EncryptionCostResult>;
  webhooks?: PerTarget<WebhookResult>;
}

export const scenarioNames: (keyof Scenarios)[] = [
  'typingSmall',
  'typingMedium',
  'crossInstance',
  'saturation',
  'coldLoad',
  'idleConnections',
  'durability',
  'replay',
  'replayTwoAuthors',
  'search',
  'safeWrite',
  'encryption',
  'webhooks',
];

export interface RunResult {
  meta: {
    startedAt: string;
    finishedAt: string;
    durationSec: number;
    mode: 'full' | 'quick';
    command: string;
    commit: string;
    machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; os: string };
    clientProcesses: number;
    /** /proc/loadavg (1 min) when the run started and ended: other work on the machine. */
    loadAverage: { start: number; end: number };
  };
  targets: { id: TargetId; label: string; protocol: Protocol }[];
  scenarios: Scenarios;
}
