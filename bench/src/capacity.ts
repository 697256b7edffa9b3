/**
 * The capacity model of docs/capacity.md (issue 19): from the figures of one full bench run,
 * what 10k, 100k and 1M concurrent editors need (collaboration nodes, Redis, Postgres,
 * search), the first bottleneck at each step and what removes it.
 *
 * `node bench/dist/capacity.js [bench/results/<file>.json]` (default: the newest full run)
 * prints the tables docs/capacity.md embeds between its markers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isNa, type Outcome, type RunResult } from './results.js';

const benchDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(benchDir, '..');
export const resultsDir = join(benchDir, 'results');

/** A figure the model needs is missing or n/a in the results file: said plainly, never NaN. */
export class CapacityInputError extends Error {}

/** The workload: stated, not measured. */
export interface Mix {
  editorsPerDocument: number;
  /** Updates each editor sends per second, averaged over the session (typing comes in bursts). */
  editsPerEditorPerSec: number;
  /** Awareness (cursor, selection) updates each editor sends per second. */
  awarenessPerEditorPerSec: number;
  /** Bytes of one awareness update (the bench does not measure it). */
  awarenessBytes: number;
  /** Search queries per editor per hour. */
  searchesPerEditorPerHour: number;
}

/** Deployment assumptions: stated, not measured. */
export interface Assumptions {
  /** Share of a resource planned for (the rest is headroom for bursts, failover, GC). */
  utilisation: number;
  /** Memory one collaboration node (one Node process on one core) may use. */
  nodeMemoryMb: number;
  /** Messages (publishes + deliveries to subscribers) one Redis shard (one core) handles per second. */
  redisShardMessagesPerSec: number;
  /** Channel name, RESP framing and the relay's header per Redis message. */
  redisMessageOverheadBytes: number;
  /** Redis memory per open document (store lock key, relay bookkeeping). */
  redisBytesPerDocument: number;
  /** Cores of the largest Postgres primary (or search replica) one would run. */
  postgresCores: number;
  /** Postgres connections each node's pool holds; the sum against max_connections decides PgBouncer. */
  poolPerNode: number;
  postgresMaxConnections: number;
  /** Days of the update log kept before compaction folds it into a snapshot. */
  logRetentionDays: number;
}

export const defaultMix: Mix = {
  editorsPerDocument: 5,
  editsPerEditorPerSec: 1,
  awarenessPerEditorPerSec: 2,
  awarenessBytes: 100,
  searchesPerEditorPerHour: 6,
};

export const defaultAssumptions: Assumptions = {
  utilisation: 0.5,
  nodeMemoryMb: 2048,
  redisShardMessagesPerSec: 100_000,
  redisMessageOverheadBytes: 64,
  redisBytesPerDocument: 256,
  postgresCores: 64,
  poolPerNode: 10,
  postgresMaxConnections: 500,
  logRetentionDays: 7,
};

export const defaultScales = [10_000, 100_000, 1_000_000];

/** The figures of one bench run the model uses (Folio's column). */
export interface Measured {
  /** Server CPU per delivered update, and per edit on top of its deliveries (two-profile fit). */
  cpuUsPerDelivery: number;
  cpuUsPerEdit: number;
  /** Postgres backend CPU per edit (small profile). */
  postgresCpuUsPerEdit: number;
  /** Cross-instance ÷ single-instance server CPU per delivery (documents spanning instances). */
  spanningCpuFactor: number;
  rssBytesPerConnection: number;
  updateBytes: number;
  editsPerCommit: number;
  tuplesPerEdit: number;
  databaseBytesPerEdit: number;
  walBytesPerEdit: number;
  /** Encoded state of the cold-load document (a long paper): what compaction keeps of it. */
  stateBytesPerDocument: number;
  /** Characters of that document. */
  stateDocumentCharacters: number;
  /** Instances the cross-instance run spanned, and callers of the concurrent search mix. */
  spanningInstances: number;
  searchConcurrency: number;
  /** Postgres CPU per search query, concurrent mix. */
  searchCpuMsPerQuery: number;
  searchDocuments: number;
}

function figure<T extends object>(
  result: RunResult,
  scenario: keyof RunResult['scenarios'],
  field: string,
  pick: (value: T) => unknown,
): number {
  const where = `scenarios.${scenario}.folio.${field}`;
  const outcome = (result.scenarios?.[scenario] as Record<string, Outcome<T>> | undefined)?.folio;
  if (outcome === undefined || outcome === null) throw new CapacityInputError(`${where}: missing`);
  if (isNa(outcome)) throw new CapacityInputError(`${where}: ${outcome.na}`);
  const value = pick(outcome);
  if (typeof value === 'string') throw new CapacityInputError(`${where}: ${value}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CapacityInputError(`${where}: missing or not a number (${String(value)})`);
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new CapacityInputError(`${name} = ${value}: the model needs a positive figure`);
  }
  return value;
}

/** The model's inputs from a run; a missing or n/a figure throws CapacityInputError naming it. */
export function measuredFigures(result: RunResult): Measured {
  type Typing = RunResult['scenarios']['typingSmall'] extends Record<string, Outcome<infer T>> ? T : never;
  const typing = (scenario: 'typingSmall' | 'typingMedium' | 'crossInstance') => {
    const f = (field: keyof Typing) => figure<Typing>(result, scenario, field, (r) => r[field]);
    const clients = f('clients');
    const docs = f('docs');
    const deliveredPerSec = f('deliveredPerSec');
    const usPerDelivery = f('serverCpuUsPerDelivery');
    const receivers = clients / docs - 1;
    return {
      deliveredPerSec,
      usPerDelivery,
      /** Edits whose deliveries were counted, per second. */
      editsPerSec: deliveredPerSec / positive(`${scenario} receivers per edit`, receivers),
      databaseCpuPercent: f('databaseCpuPercent'),
    };
  };
  const small = typing('typingSmall');
  const medium = typing('typingMedium');
  const cross = typing('crossInstance');
  // CPU/s = a × deliveries/s + b × edits/s, once with 49 receivers per edit and once with 4.
  const cpuSmall = small.usPerDelivery * small.deliveredPerSec;
  const cpuMedium = medium.usPerDelivery * medium.deliveredPerSec;
  const det = small.deliveredPerSec * medium.editsPerSec - medium.deliveredPerSec * small.editsPerSec;
  const cpuUsPerDelivery = (cpuSmall * medium.editsPerSec - cpuMedium * small.editsPerSec) / det;
  const cpuUsPerEdit = (small.deliveredPerSec * cpuMedium - medium.deliveredPerSec * cpuSmall) / det;

  type Durability = RunResult['scenarios']['durability'] extends Record<string, Outcome<infer T>> ? T : never;
  const d = (field: keyof Durability) => figure<Durability>(result, 'durability', field, (r) => r[field]);
  type Cold = RunResult['scenarios']['coldLoad'] extends Record<string, Outcome<infer T>> ? T : never;
  const c = (field: keyof Cold) => figure<Cold>(result, 'coldLoad', field, (r) => r[field]);
  type Search = RunResult['scenarios']['search'] extends Record<string, Outcome<infer T>> ? T : never;
  const s = (field: string, pick: (r: Search) => unknown) => figure<Search>(result, 'search', field, pick);
  const editsStored = d('editsStored');

  return {
    cpuUsPerDelivery: positive('CPU µs per delivery (fit of typingSmall and typingMedium)', cpuUsPerDelivery),
    cpuUsPerEdit: positive('CPU µs per edit (fit of typingSmall and typingMedium)', cpuUsPerEdit),
    postgresCpuUsPerEdit: positive(
      'typingSmall Postgres CPU per edit',
      (small.databaseCpuPercent * 1e4) / small.editsPerSec,
    ),
    spanningCpuFactor: positive(
      'crossInstance ÷ typingMedium CPU per delivery',
      cross.usPerDelivery / medium.usPerDelivery,
    ),
    rssBytesPerConnection: positive(
      'idleConnections.bytesPerConnection',
      figure<{ bytesPerConnection: number }>(
        result,
        'idleConnections',
        'bytesPerConnection',
        (r) => r.bytesPerConnection,
      ),
    ),
    updateBytes: positive('durability bytes per edit', d('editBytes') / d('edits')),
    editsPerCommit: positive('durability edits per commit', d('editsPerSec') / d('commitsPerSec')),
    tuplesPerEdit: positive('durability.tuplesPerEdit', d('tuplesPerEdit')),
    databaseBytesPerEdit: positive('durability database bytes per edit', d('databaseBytes') / editsStored),
    walBytesPerEdit: positive('durability WAL bytes per edit', d('walBytes') / editsStored),
    stateBytesPerDocument: positive('coldLoad.stateBytes', c('stateBytes')),
    stateDocumentCharacters: c('textLength'),
    spanningInstances: figure<{ instances: number }>(
      result,
      'crossInstance',
      'instances',
      (r) => r.instances,
    ),
    searchConcurrency: s('concurrent.concurrency', (r) => r.concurrent?.concurrency),
    searchCpuMsPerQuery: positive(
      'search concurrent Postgres CPU per query',
      (s('concurrent.databaseCpuPercent', (r) => r.concurrent?.databaseCpuPercent) * 10) /
        s('concurrent.queriesPerSec', (r) => r.concurrent?.queriesPerSec),
    ),
    searchDocuments: s('documents', (r) => r.documents),
  };
}

export interface Step {
  editors: number;
  documents: number;
  editsPerSec: number;
  deliveriesPerSec: number;
  awarenessPerSec: number;
  nodeCores: number;
  nodesForCpu: number;
  nodesForMemory: number;
  nodes: number;
  nodesWithoutAffinity: number;
  redisPublishesPerSec: number;
  redisDeliveriesPerSec: number;
  redisBytesInPerSec: number;
  redisBytesOutPerSec: number;
  redisShards: number;
  redisMemoryBytes: number;
  postgresCommitsPerSec: number;
  postgresTuplesPerSec: number;
  postgresCores: number;
  postgresPrimaries: number;
  postgresConnections: number;
  walBytesPerDay: number;
  logBytesPerDay: number;
  logBytesRetained: number;
  snapshotBytesRetained: number;
  searchQueriesPerSec: number;
  searchCores: number;
  searchReplicas: number;
  bottleneck: string;
  remedy: string;
}

const affinityRemedy =
  'document-affinity routing: the load balancer (HAProxy, Envoy) hashes the document id so a document stays on one node';

export interface Pressure {
  tier: string;
  /** How many of the largest single instance the load needs (> 1: one instance no longer holds). */
  instances: number;
  remedy: string;
}

/** Each shared tier's load against one instance of it, and the change that removes the limit. */
export function tierPressures(
  need: {
    redisMessagesPerSec: number;
    postgresCores: number;
    searchCores: number;
    postgresConnections: number;
  },
  a: Assumptions,
): Pressure[] {
  const primaryBudget = a.postgresCores * a.utilisation;
  return [
    {
      tier: 'Redis messages/s',
      instances: need.redisMessagesPerSec / (a.redisShardMessagesPerSec * a.utilisation),
      remedy: 'Redis Cluster sharded by document ({documentId} hash tags; sharded pub/sub, SPUBLISH)',
    },
    {
      tier: 'Postgres primary CPU (update log commits)',
      instances: need.postgresCores / primaryBudget,
      remedy:
        'partitioned update log: documents hashed over several Postgres clusters (one CloudNativePG cluster each), longer group-commit batches',
    },
    {
      tier: 'Postgres connections',
      instances: need.postgresConnections / a.postgresMaxConnections,
      remedy: 'PgBouncer in transaction mode in front of each primary',
    },
    {
      tier: 'search queries on the primary',
      instances: need.searchCores / primaryBudget,
      remedy: 'streaming read replicas for search (CloudNativePG replicas, DATABASE_REPLICA_URL)',
    },
  ];
}

/** The model for one number of concurrent editors. */
export function capacityStep(
  editors: number,
  m: Measured,
  mix: Mix = defaultMix,
  a: Assumptions = defaultAssumptions,
): Step {
  const documents = Math.ceil(editors / mix.editorsPerDocument);
  const receivers = mix.editorsPerDocument - 1;
  const editsPerSec = editors * mix.editsPerEditorPerSec;
  const deliveriesPerSec = editsPerSec * receivers;
  const awarenessPerSec = editors * mix.awarenessPerEditorPerSec;
  // An awareness delivery is costed like an update delivery; awareness is not committed.
  const cpuUsPerSec =
    (deliveriesPerSec + awarenessPerSec * receivers) * m.cpuUsPerDelivery + editsPerSec * m.cpuUsPerEdit;
  const nodeCores = cpuUsPerSec / 1e6;
  const nodesForCpu = Math.ceil(nodeCores / a.utilisation);
  const connectionsPerNode = (a.nodeMemoryMb * 2 ** 20 * a.utilisation) / m.rssBytesPerConnection;
  const nodesForMemory = Math.ceil(editors / connectionsPerNode);
  const nodes = Math.max(nodesForCpu, nodesForMemory);
  // Without affinity every delivery costs what it cost with documents spanning two instances.
  const spanningUsPerSec =
    (deliveriesPerSec + awarenessPerSec * receivers) * m.cpuUsPerDelivery * m.spanningCpuFactor +
    editsPerSec * m.cpuUsPerEdit;
  const nodesWithoutAffinity = Math.ceil(spanningUsPerSec / 1e6 / a.utilisation);

  // Document affinity: a document's editors are on one node, which publishes each committed
  // update and awareness update once on the document's channel; one subscriber (the owner)
  // until a failover or a REST edit lands elsewhere.
  const redisPublishesPerSec = editsPerSec + awarenessPerSec;
  const redisDeliveriesPerSec = redisPublishesPerSec;
  const redisBytesInPerSec =
    editsPerSec * (m.updateBytes + a.redisMessageOverheadBytes) +
    awarenessPerSec * (mix.awarenessBytes + a.redisMessageOverheadBytes);
  const redisBytesOutPerSec = redisBytesInPerSec;
  const redisShards = Math.ceil(
    (redisPublishesPerSec + redisDeliveriesPerSec) / (a.redisShardMessagesPerSec * a.utilisation),
  );
  const redisMemoryBytes = documents * a.redisBytesPerDocument;

  const postgresCommitsPerSec = editsPerSec / m.editsPerCommit;
  const postgresTuplesPerSec = editsPerSec * m.tuplesPerEdit;
  const postgresCores = (editsPerSec * m.postgresCpuUsPerEdit) / 1e6;
  const postgresPrimaries = Math.ceil(postgresCores / (a.postgresCores * a.utilisation));
  const postgresConnections = nodes * a.poolPerNode;
  const walBytesPerDay = editsPerSec * 86_400 * m.walBytesPerEdit;
  const logBytesPerDay = editsPerSec * 86_400 * m.databaseBytesPerEdit;
  const logBytesRetained = logBytesPerDay * a.logRetentionDays;
  // Compaction replaces a document's log by one snapshot of its state.
  const snapshotBytesRetained = documents * m.stateBytesPerDocument;

  const searchQueriesPerSec = (editors * mix.searchesPerEditorPerHour) / 3600;
  const searchCores = (searchQueriesPerSec * m.searchCpuMsPerQuery) / 1000;
  const searchReplicas = Math.ceil(searchCores / (a.postgresCores * a.utilisation));

  const pressures = tierPressures(
    {
      redisMessagesPerSec: redisPublishesPerSec + redisDeliveriesPerSec,
      postgresCores,
      searchCores,
      postgresConnections,
    },
    a,
  );
  const worst = [...pressures].sort((x, y) => y.instances - x.instances)[0];
  const [bottleneck, remedy] =
    worst && worst.instances > 1
      ? [`${worst.tier} (${round(worst.instances, 2)}× one instance)`, worst.remedy]
      : [`collaboration node CPU (${nodesForCpu} nodes)`, affinityRemedy];

  return {
    editors,
    documents,
    editsPerSec,
    deliveriesPerSec,
    awarenessPerSec,
    nodeCores,
    nodesForCpu,
    nodesForMemory,
    nodes,
    nodesWithoutAffinity,
    redisPublishesPerSec,
    redisDeliveriesPerSec,
    redisBytesInPerSec,
    redisBytesOutPerSec,
    redisShards,
    redisMemoryBytes,
    postgresCommitsPerSec,
    postgresTuplesPerSec,
    postgresCores,
    postgresPrimaries,
    postgresConnections,
    walBytesPerDay,
    logBytesPerDay,
    logBytesRetained,
    snapshotBytesRetained,
    searchQueriesPerSec,
    searchCores,
    searchReplicas,
    bottleneck,
    remedy,
  };
}

function round(value: number, digits: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const count = (value: number) => round(Math.round(value), 0);

function bytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${round(v, v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** A Markdown table as bench/README.md's: figures right-aligned, the `left` columns (text) left-aligned. */
function table(header: string[], rows: string[][], left: number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (left.includes(i) ? '-'.repeat(w) : `${'-'.repeat(Math.max(1, w - 1))}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The tables docs/capacity.md embeds, for the run in `file`. */
export function renderCapacity(
  result: RunResult,
  file: string,
  mix: Mix = defaultMix,
  a: Assumptions = defaultAssumptions,
  scales: number[] = defaultScales,
): string {
  if (result.meta?.mode !== 'full') {
    throw new CapacityInputError(
      `${file}: meta.mode is ${String(result.meta?.mode)}, the model needs a full run`,
    );
  }
  const m = measuredFigures(result);
  const steps = scales.map((editors) => capacityStep(editors, m, mix, a));
  const measuredRows: [string, string, string][] = [
    [
      'server CPU per delivered update',
      `${round(m.cpuUsPerDelivery, 1)} µs`,
      'fit of typing small and medium',
    ],
    ['server CPU per edit (validation, commit, ack)', `${round(m.cpuUsPerEdit, 1)} µs`, 'same fit'],
    ['Postgres CPU per edit', `${round(m.postgresCpuUsPerEdit, 1)} µs`, 'typing small, Postgres backends'],
    [
      `CPU per delivery, documents spanning ${m.spanningInstances} instances`,
      `${round(m.spanningCpuFactor, 1)}×`,
      'cross-instance ÷ medium',
    ],
    ['RSS per idle connection', bytes(m.rssBytesPerConnection), 'idle connections'],
    ['bytes per update', `${round(m.updateBytes, 1)} B`, 'durability (includes the bench’s send-time entry)'],
    [
      'edits per Postgres commit (group commit)',
      round(m.editsPerCommit, 2),
      'durability: edits/s ÷ PG commits/s',
    ],
    ['Postgres tuples written per edit', round(m.tuplesPerEdit, 2), 'durability'],
    ['database growth per edit', `${round(m.databaseBytesPerEdit, 0)} B`, 'durability: pg_database_size'],
    ['WAL per edit', `${round(m.walBytesPerEdit, 0)} B`, 'durability: pg_stat_wal (cluster-wide)'],
    [
      `snapshot of a ${round(m.stateDocumentCharacters / 1000, 0)}k-character document`,
      bytes(m.stateBytesPerDocument),
      'cold load: encoded state',
    ],
    [
      'Postgres CPU per search query',
      `${round(m.searchCpuMsPerQuery, 1)} ms`,
      `search, ${m.searchConcurrency} at once, ${count(m.searchDocuments)} documents`,
    ],
  ];
  const assumed: [string, string][] = [
    ['editors per open document', String(mix.editorsPerDocument)],
    ['updates per editor per second (session average)', String(mix.editsPerEditorPerSec)],
    ['awareness updates per editor per second', String(mix.awarenessPerEditorPerSec)],
    ['bytes per awareness update', `${mix.awarenessBytes} B`],
    ['search queries per editor per hour', String(mix.searchesPerEditorPerHour)],
    ['planned utilisation (rest is headroom)', `${a.utilisation * 100} %`],
    ['collaboration node', `1 Node process, 1 core, ${a.nodeMemoryMb} MB`],
    ['Redis shard capacity', `${count(a.redisShardMessagesPerSec)} messages/s per core`],
    ['Redis framing per message', `${a.redisMessageOverheadBytes} B`],
    ['Redis memory per open document', `${a.redisBytesPerDocument} B`],
    ['largest Postgres primary or replica', `${a.postgresCores} cores`],
    ['pool per node / Postgres max_connections', `${a.poolPerNode} / ${a.postgresMaxConnections}`],
    ['update-log retention before compaction', `${a.logRetentionDays} days`],
  ];
  const col = (label: string, pick: (s: Step) => string): string[] => [label, ...steps.map(pick)];
  const model = table(
    ['figure', ...steps.map((s) => `${count(s.editors)} editors`)],
    [
      col('documents open', (s) => count(s.documents)),
      col('edits/s', (s) => count(s.editsPerSec)),
      col('update deliveries/s', (s) => count(s.deliveriesPerSec)),
      col('awareness updates/s', (s) => count(s.awarenessPerSec)),
      col('node CPU, cores busy', (s) => round(s.nodeCores, 1)),
      col('nodes for CPU / for memory', (s) => `${count(s.nodesForCpu)} / ${count(s.nodesForMemory)}`),
      col('collaboration nodes', (s) => count(s.nodes)),
      col('nodes if documents span nodes', (s) => count(s.nodesWithoutAffinity)),
      col('Redis publishes/s', (s) => count(s.redisPublishesPerSec)),
      col('Redis deliveries/s', (s) => count(s.redisDeliveriesPerSec)),
      col(
        'Redis bytes/s in / out',
        (s) => `${bytes(s.redisBytesInPerSec)} / ${bytes(s.redisBytesOutPerSec)}`,
      ),
      col('Redis shards', (s) => count(s.redisShards)),
      col('Redis memory', (s) => bytes(s.redisMemoryBytes)),
      col('Postgres commits/s', (s) => count(s.postgresCommitsPerSec)),
      col('Postgres tuples/s', (s) => count(s.postgresTuplesPerSec)),
      col('Postgres CPU, cores busy', (s) => round(s.postgresCores, 1)),
      col('Postgres primaries (update log)', (s) => count(s.postgresPrimaries)),
      col('Postgres connections without a pooler', (s) => count(s.postgresConnections)),
      col('WAL per day', (s) => bytes(s.walBytesPerDay)),
      col('update log growth per day', (s) => bytes(s.logBytesPerDay)),
      col(`update log kept (${a.logRetentionDays} days)`, (s) => bytes(s.logBytesRetained)),
      col('snapshots of the open documents', (s) => bytes(s.snapshotBytesRetained)),
      col('search queries/s', (s) => round(s.searchQueriesPerSec, 1)),
      col('search CPU, cores busy', (s) => round(s.searchCores, 1)),
      col('search replicas', (s) => count(s.searchReplicas)),
      col('search index size', () => 'n/a[1]'),
    ],
  );
  const pressureRows = steps.map((s) =>
    tierPressures(
      {
        redisMessagesPerSec: s.redisPublishesPerSec + s.redisDeliveriesPerSec,
        postgresCores: s.postgresCores,
        searchCores: s.searchCores,
        postgresConnections: s.postgresConnections,
      },
      a,
    ),
  );
  const pressures = table(
    ['tier (× one instance)', ...steps.map((s) => `${count(s.editors)} editors`)],
    (pressureRows[0] ?? []).map((p, i) => [
      p.tier,
      ...pressureRows.map((row) => round(row[i]?.instances ?? 0, 2)),
    ]),
  );
  const bottlenecks = table(
    ['editors', 'first bottleneck', 'what removes it'],
    steps.map((s) => [count(s.editors), s.bottleneck, s.remedy]),
    [1, 2],
  );
  const tierCores = (s: Step) => ({
    nodes: s.nodes,
    redis: s.redisShards,
    postgres: s.postgresPrimaries * a.postgresCores,
    search: s.searchReplicas * a.postgresCores,
  });
  const costs = table(
    ['cores provisioned', ...steps.map((s) => `${count(s.editors)} editors`)],
    [
      col('collaboration nodes (1 core each)', (s) => count(tierCores(s).nodes)),
      col('Redis shards (1 core each)', (s) => count(tierCores(s).redis)),
      col(`Postgres primaries (${a.postgresCores} cores each)`, (s) => count(tierCores(s).postgres)),
      col(`search replicas (${a.postgresCores} cores each)`, (s) => count(tierCores(s).search)),
    ],
  );
  const last = steps.at(-1);
  const closing = last
    ? [
        `At ${count(last.editors)} editors the first bottleneck is ${last.bottleneck}; removing it costs ` +
          `${count(last.redisShards)} Redis shards. The costliest tier is the update log: ` +
          `${count(last.postgresCommitsPerSec)} commits/s needing ${round(last.postgresCores, 0)} Postgres cores, ` +
          `${count(last.postgresPrimaries)} primaries of ${a.postgresCores} cores at ${a.utilisation * 100} % ` +
          `(${count(tierCores(last).postgres)} cores provisioned, against ${count(last.nodes)} for the collaboration nodes).`,
      ]
    : [];
  return [
    `From \`${file}\` (commit ${result.meta.commit}, ${result.meta.startedAt}, Folio's column).`,
    '',
    '**Measured** (this run):',
    '',
    table(
      ['figure', 'value', 'from'],
      measuredRows.map(([x, y, z]) => [x, y, z]),
      [0, 2],
    ),
    '',
    '**Assumed** (the mix and the deployment):',
    '',
    table(['assumption', 'value'], assumed),
    '',
    '**Model:**',
    '',
    model,
    '',
    '[1] n/a (the results file has no index-size figure: the search scenario records latency and CPU, not pg_total_relation_size of document_search)',
    '',
    pressures,
    '',
    bottlenecks,
    '',
    costs,
    '',
    ...closing,
  ].join('\n');
}

/** The newest committed full run in bench/results (quick runs end in -quick.json). */
export async function newestFullRun(dir = resultsDir): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.endsWith('-quick.json')).sort();
  const newest = names.at(-1);
  if (!newest) throw new CapacityInputError(`no full run (*.json, not -quick) in ${dir}`);
  return join(dir, newest);
}

export async function renderFile(path: string): Promise<string> {
  let result: RunResult;
  try {
    result = JSON.parse(await readFile(path, 'utf8')) as RunResult;
  } catch (error) {
    throw new CapacityInputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return renderCapacity(result, relative(repoRoot, resolve(path)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const path = process.argv[2] ?? (await newestFullRun());
    console.log(await renderFile(path));
  } catch (error) {
    if (!(error instanceof CapacityInputError)) throw error;
    console.error(`capacity: ${error.message}`);
    process.exit(1);
  }
}
