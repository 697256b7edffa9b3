import { cpus } from 'node:os';
import { type ClientSpec, clock } from './bench-client.js';
import type { BenchInfrastructure } from './bench-infra.js';
import type { ClientFleet } from './client-fleet.js';
import type { RecordedHistory } from './editing-trace.js';
import {
  cpuPercent,
  cpuSeconds,
  type MachineSample,
  machinePercent,
  type ProcessSample,
  pidsNamed,
  sampleMachine,
  sampleProcess,
  trySampleProcess,
} from './processes.js';
import type { Profiles, TypingProfile } from './profiles.js';
import type {
  ColdLoadResult,
  CrossInstanceResult,
  DurabilityResult,
  IdleResult,
  NotAvailable,
  SaturationResult,
  TypingResult,
} from './results.js';
import { median, percentiles, round } from './stats.js';
import type { RunningServer, Target } from './targets.js';
import { WaitEventSampler } from './wait-events.js';

export interface ScenarioContext {
  fleet: ClientFleet;
  infra: BenchInfrastructure;
  profiles: Profiles;
  history: () => RecordedHistory;
  log: (message: string) => void;
}

/** Thrown to record a scenario as not applicable or not measurable, with the reason. */
export class NotMeasured extends Error {
  constructor(readonly reason: NotAvailable) {
    super(reason);
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Client c edits document c mod docs, on instance ⌊c / docs⌋ mod instances: every document spans instances. */
export function clientSpecs(target: Target, urls: string[], docs: string[], clients: number, token: string) {
  return Array.from(
    { length: clients },
    (_, c): ClientSpec => ({
      protocol: target.protocol,
      url: urls[Math.floor(c / docs.length) % urls.length] as string,
      documentId: docs[c % docs.length] as string,
      token,
    }),
  );
}

async function connectAll(ctx: ScenarioContext, specs: ClientSpec[]) {
  const connected = await ctx.fleet.connect(specs, { concurrency: 20 });
  if (connected.synced === 0) {
    throw new NotMeasured(`n/a (no client could sync: ${connected.firstError ?? 'unknown error'})`);
  }
  return connected;
}

/** CPU of the backends that existed over the whole window, % of one core. */
export function databaseCpu(
  before: (ProcessSample | undefined)[],
  after: (ProcessSample | undefined)[],
): number {
  const pairs = before.flatMap((b, i) => {
    const a = after[i];
    return b && a ? [[b, a] as const] : [];
  });
  return cpuPercent(
    pairs.map(([b]) => b),
    pairs.map(([, a]) => a),
  );
}

function samplesOf(server: RunningServer): ProcessSample[] {
  return server.processes.map((p) => sampleProcess(p.pid));
}

/**
 * One round of typing on already connected clients; server CPU is sampled over the
 * measured window only, and with `redis` the redis-server process's CPU is counted as
 * storage.
 */
async function typeRound(
  ctx: ScenarioContext,
  target: Target,
  server: RunningServer,
  profile: TypingProfile,
  connected: { synced: number; failed: number; ms: number },
  options: { redis?: boolean; keepEmpty?: boolean } = {},
) {
  const startAt = clock() + 200;
  const measureFrom = startAt + profile.warmupMs;
  let before: ProcessSample[] = [];
  let after: ProcessSample[] = [];
  let machineBefore: MachineSample = sampleMachine();
  let machineAfter: MachineSample = machineBefore;
  let backends: number[] = [];
  let databaseBefore: (ProcessSample | undefined)[] = [];
  let databaseAfter: (ProcessSample | undefined)[] = [];
  const sampling = [
    ctx.infra.backendPids().then(async (pids) => {
      backends = [...pids, ...(options.redis ? pidsNamed('redis-server') : [])];
      await sleep(measureFrom - clock());
      before = samplesOf(server);
      machineBefore = sampleMachine();
      databaseBefore = backends.map(trySampleProcess);
    }),
    sleep(measureFrom + profile.durationMs - clock()).then(() => {
      after = samplesOf(server);
      machineAfter = sampleMachine();
      databaseAfter = backends.map(trySampleProcess);
    }),
  ];
  const outcome = await ctx.fleet.type({
    intervalMs: profile.intervalMs,
    startAt,
    warmupMs: profile.warmupMs,
    durationMs: profile.durationMs,
    drainMs: ctx.profiles.drainMs,
    measureAck: true,
  });
  await Promise.all(sampling);
  const perDoc = profile.clients / profile.docs;
  const expectedDeliveries = Math.round(outcome.sends * (perDoc - 1));
  const latency = percentiles(outcome.latencies);
  const fellBehind: NotAvailable = `n/a (of ${outcome.sends} edits sent, none reached another client within ${ctx.profiles.drainMs} ms after the window: the server fell behind)`;
  if (!latency && !options.keepEmpty) throw new NotMeasured(fellBehind);
  const seconds = profile.durationMs / 1000;
  const ack = percentiles(outcome.acks);
  const noAck: NotAvailable =
    target.protocol === 'y-websocket'
      ? 'n/a (the y-websocket protocol has no acknowledgement)'
      : 'n/a (no edit was acknowledged)';
  const serverSeconds = cpuSeconds(before, after);
  const perDelivery = (cpu: number): number | NotAvailable =>
    outcome.latencies.length > 0
      ? round((cpu * 1e6) / outcome.latencies.length, 1)
      : 'n/a (nothing delivered)';
  let withinSecond = 0;
  for (const latency of outcome.latencies) if (latency <= 1000) withinSecond++;
  const result = {
    clients: profile.clients,
    docs: profile.docs,
    instances: server.processes.length,
    offeredEditsPerSec: round((profile.clients * 1000) / profile.intervalMs, 1),
    sends: outcome.sends,
    expectedDeliveries,
    deliveries: outcome.latencies.length,
    deliveredRatio: round(expectedDeliveries > 0 ? outcome.latencies.length / expectedDeliveries : 0, 3),
    deliveredWithinSecondRatio: round(expectedDeliveries > 0 ? withinSecond / expectedDeliveries : 0, 4),
    latencyMs: latency ?? fellBehind,
    ackMs: ack ?? noAck,
    deliveredPerSec: round(outcome.latencies.length / seconds, 0),
    serverCpuPercent: round(cpuPercent(before, after), 0),
    serverRssMb: mb(after.reduce((n, s) => n + s.rssBytes, 0)),
    serverCpuUsPerDelivery: perDelivery(serverSeconds),
    storageCpuUsPerDelivery: perDelivery(serverSeconds + cpuSeconds(databaseBefore, databaseAfter)),
    clientCpuPercent: round(outcome.clientCpuPercent, 0),
    databaseCpuPercent: round(databaseCpu(databaseBefore, databaseAfter), 0),
    machineCpuPercent: round(machinePercent(machineBefore, machineAfter, cpus().length), 0),
    connectMs: round(connected.ms, 0),
    connectFailures: connected.failed,
  };
  // Without keepEmpty an empty sample threw above.
  const unchecked: Omit<CrossInstanceResult, 'lockWaitSamples' | 'lockWaits'> = result;
  return { result: result as TypingResult, outcome, unchecked };
}

export async function typing(
  ctx: ScenarioContext,
  target: Target,
  server: RunningServer,
  docs: string[],
  profile: TypingProfile,
): Promise<TypingResult> {
  try {
    const connected = await connectAll(
      ctx,
      clientSpecs(target, server.urls, docs, profile.clients, ctx.infra.token),
    );
    return (await typeRound(ctx, target, server, profile, connected)).result;
  } finally {
    await ctx.fleet.disconnect();
  }
}

/**
 * The medium profile over instances sharing Redis, with the bench database's backends
 * sampled every 50 ms for lock waits. Never n/a for falling behind: the share delivered
 * within 1 s is the figure; latency percentiles are over the deliveries that arrived.
 */
export async function crossInstance(
  ctx: ScenarioContext,
  target: Target,
  server: RunningServer,
  docs: string[],
  profile: TypingProfile,
): Promise<CrossInstanceResult> {
  const sampler = await WaitEventSampler.start(ctx.infra.env.databaseUrl);
  let result: Omit<CrossInstanceResult, 'lockWaitSamples' | 'lockWaits'>;
  try {
    const connected = await connectAll(
      ctx,
      clientSpecs(target, server.urls, docs, profile.clients, ctx.infra.token),
    );
    ({ unchecked: result } = await typeRound(ctx, target, server, profile, connected, {
      redis: true,
      keepEmpty: true,
    }));
  } finally {
    await ctx.fleet.disconnect();
    await sampler.stop();
  }
  const lockWaits = Object.fromEntries([...sampler.counts].filter(([wait]) => wait.startsWith('Lock:')));
  return { ...result, lockWaitSamples: sampler.lockSamples, lockWaits };
}

export async function saturation(
  ctx: ScenarioContext,
  target: Target,
  server: RunningServer,
  docs: string[],
): Promise<SaturationResult> {
  const profile = ctx.profiles.saturation;
  const steps: TypingResult[] = [];
  let sustained: TypingResult | undefined;
  let stoppedBecause = 'the highest step was sustained';
  try {
    const connected = await connectAll(
      ctx,
      clientSpecs(target, server.urls, docs, profile.clients, ctx.infra.token),
    );
    // A fresh process's first seconds (JIT, heap growth) are not its capacity: type for a
    // while at the first rate before measuring anything.
    const first = profile.intervalsMs[0] ?? 100;
    await ctx.fleet.type({
      intervalMs: first,
      startAt: clock() + 100,
      warmupMs: 0,
      durationMs: 2 * profile.warmupMs,
      drainMs: ctx.profiles.drainMs,
      measureAck: false,
    });
    const failure = (result: TypingResult) =>
      result.latencyMs.p99 > profile.p99LimitMs
        ? `p99 ${result.latencyMs.p99} ms > ${profile.p99LimitMs} ms at ${result.offeredEditsPerSec} edits/s`
        : result.deliveredRatio < 0.95
          ? `only ${Math.round(result.deliveredRatio * 100)} % delivered at ${result.offeredEditsPerSec} edits/s`
          : undefined;
    for (const intervalMs of profile.intervalsMs) {
      let result: TypingResult | undefined;
      let failed: string | undefined;
      // A step that fails is measured once more: on a shared machine one burst of other
      // work can spoil a few seconds; a server at its limit fails twice.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          result = (await typeRound(ctx, target, server, { ...profile, intervalMs }, connected)).result;
          failed = failure(result);
        } catch (error) {
          if (!(error instanceof NotMeasured)) throw error;
          failed = error.reason;
        }
        if (result) steps.push(result);
        ctx.log(
          result
            ? `    ${result.offeredEditsPerSec} edits/s: p99 ${result.latencyMs.p99} ms, ${Math.round(result.deliveredRatio * 100)} % delivered`
            : `    ${failed}`,
        );
        if (!failed) break;
      }
      if (failed || !result) {
        stoppedBecause = failed ?? 'no result';
        break;
      }
      sustained = result;
    }
  } finally {
    await ctx.fleet.disconnect();
  }
  return {
    steps,
    sustainedEditsPerSec: sustained?.offeredEditsPerSec ?? 'n/a (not even the first step was sustained)',
    sustainedDeliveriesPerSec: sustained?.deliveredPerSec ?? 'n/a (not even the first step was sustained)',
    stoppedBecause,
  };
}

/**
 * RSS growth of a fresh server process per synced, idle connection. A fresh process: one
 * that already served the typing scenarios has heap to spare, and would hide the cost.
 */
export async function idleConnections(
  ctx: ScenarioContext,
  target: Target,
  docs: string[],
): Promise<IdleResult> {
  const { connections } = ctx.profiles.idle;
  const server = await target.start(ctx.infra.env, { instances: 1 });
  try {
    // Warm up: code paths compiled and per-document state created once, as on a live server.
    await connectAll(ctx, clientSpecs(target, server.urls, docs, docs.length, ctx.infra.token));
    await ctx.fleet.disconnect();
    await sleep(ctx.profiles.settleMs);
    const process = server.processes[0];
    if (!process) throw new Error('no server process');
    const heapBefore = await process.probeMemory();
    const before = samplesOf(server);
    const connected = await ctx.fleet.connect(
      clientSpecs(target, server.urls, docs, connections, ctx.infra.token),
      {
        concurrency: 50,
      },
    );
    if (connected.synced < connections * 0.99) {
      throw new NotMeasured(
        `n/a (only ${connected.synced} of ${connections} connections synced: ${connected.firstError ?? ''})`,
      );
    }
    // Let the connection storm's garbage be collected before reading memory.
    await sleep(ctx.profiles.settleMs);
    const heapAfter = await process.probeMemory();
    const after = samplesOf(server);
    const rssBefore = before.reduce((n, s) => n + s.rssBytes, 0);
    const rssAfter = after.reduce((n, s) => n + s.rssBytes, 0);
    const live = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
    return {
      connections: connected.synced,
      rssBeforeMb: mb(rssBefore),
      rssAfterMb: mb(rssAfter),
      bytesPerConnection: Math.round((rssAfter - rssBefore) / connected.synced),
      heapBytesPerConnection: Math.round((live(heapAfter) - live(heapBefore)) / connected.synced),
    };
  } finally {
    await ctx.fleet.disconnect();
    await server.stop();
  }
}

/**
 * Typing with acknowledgement tracking on a fresh server whose storage is Postgres (if it
 * has any); database counters are read after the server stopped and stored everything.
 */
export async function durability(
  ctx: ScenarioContext,
  target: Target,
  docs: string[],
): Promise<DurabilityResult> {
  const profile = ctx.profiles.durability;
  const server = await target.start(ctx.infra.env, { instances: 1, persistent: true });
  let outcome: Awaited<ReturnType<typeof typeRound>>['outcome'];
  let result: TypingResult;
  const before = await ctx.infra.pgCounters();
  try {
    const connected = await connectAll(
      ctx,
      clientSpecs(target, server.urls, docs, profile.clients, ctx.infra.token),
    );
    ({ result, outcome } = await typeRound(ctx, target, server, profile, connected));
  } finally {
    await ctx.fleet.disconnect();
    await server.stop();
  }
  // The server's database connections closed with it; their backends publish their
  // statistics as they exit.
  await sleep(300);
  const after = await ctx.infra.pgCounters();
  const seconds = profile.durationMs / 1000;
  const stores = target.id !== 'hocuspocus' && target.id !== 'y-websocket';
  const tuples = after.tuplesWritten - before.tuplesWritten;
  const noPg: NotAvailable = 'n/a (stores nothing in Postgres)';
  const ack = percentiles(outcome.acks);
  const noAck: NotAvailable =
    target.protocol === 'y-websocket'
      ? 'n/a (the y-websocket protocol has no acknowledgement)'
      : 'n/a (no edit was acknowledged)';
  const dbBytes = after.databaseBytes - before.databaseBytes;
  const commits = after.commits - before.commits;
  return {
    edits: result.sends,
    editBytes: outcome.editBytes,
    editsPerSec: round(result.sends / seconds, 1),
    databaseBytes: stores ? dbBytes : noPg,
    bytesPerEditByte: stores ? round(dbBytes / Math.max(1, outcome.editBytes), 2) : noPg,
    commits: stores ? commits : noPg,
    commitsPerSec: stores ? round(commits / seconds, 1) : noPg,
    tuplesWritten: stores ? tuples : noPg,
    editsStored: outcome.allSends,
    tuplesPerEdit: stores ? round(tuples / Math.max(1, outcome.allSends), 2) : noPg,
    walBytes: stores ? after.walBytes - before.walBytes : noPg,
    ackP50Ms: ack?.p50 ?? noAck,
    ackP99Ms: ack?.p99 ?? noAck,
  };
}

/**
 * Seeds a document with a long recorded history, restarts the server so that nothing is in
 * memory, warms the process up on another document, then times a new client's load.
 */
export async function coldLoad(ctx: ScenarioContext, target: Target, cold: string, warm: string) {
  const history = ctx.history();
  const server = await target.start(ctx.infra.env, { instances: 1, persistent: true });
  const spec = (documentId: string, url: string): ClientSpec => ({
    protocol: target.protocol,
    url,
    documentId,
    token: ctx.infra.token,
  });
  try {
    const seeded = await ctx.fleet.seed(
      spec(cold, server.urls[0] as string),
      history.updates,
      ctx.profiles.cold.updatesPerSecond,
      history.textLength,
    );
    if (seeded.length !== history.textLength) {
      throw new NotMeasured(
        `n/a (seeding failed: a second client saw ${seeded.length} of ${history.textLength} characters)`,
      );
    }
    // The last client left: let the server store the document before it is stopped.
    await sleep(ctx.profiles.settleMs);
    const loads: { syncedMs: number; completeMs: number }[] = [];
    for (let r = 0; r < ctx.profiles.cold.repeats; r++) {
      await server.restart();
      const url = server.urls[0] as string;
      await ctx.fleet.load(spec(warm, url), 0);
      const load = await ctx.fleet.load(spec(cold, url), history.textLength, 15_000);
      if (load.length !== history.textLength) {
        throw new NotMeasured(
          `n/a (after a restart a client received ${load.length} of ${history.textLength} characters: the document was not stored)`,
        );
      }
      loads.push(load);
    }
    const result: ColdLoadResult = {
      updates: history.updates.length,
      operations: history.operations,
      deletions: history.deletions,
      historyBytes: history.historyBytes,
      stateBytes: history.stateBytes,
      textLength: history.textLength,
      loadMs: round(median(loads.map((l) => l.completeMs)), 1),
      syncedMs: round(median(loads.map((l) => l.syncedMs)), 1),
      samplesMs: loads.map((l) => round(l.completeMs, 1)),
    };
    return result;
  } finally {
    await server.stop();
  }
}
