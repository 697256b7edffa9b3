import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { BenchInfrastructure } from './bench-infra.js';
import { ClientFleet } from './client-fleet.js';
import { type RecordedHistory, recordHistory } from './editing-trace.js';
import { encryptionCostScenario } from './encryption-scenario.js';
import { repoRoot } from './processes.js';
import { fullProfiles, quickProfiles } from './profiles.js';
import { replayOneAuthor, replayTwoAuthors } from './replay-scenario.js';
import { isNa, type Outcome, type PerTarget, type RunResult, type Scenarios } from './results.js';
import { safeWriteScenario } from './safe-write-scenario.js';
import * as scenario from './scenarios.js';
import { NotMeasured, type ScenarioContext } from './scenarios.js';
import { searchScenario } from './search-scenario.js';
import { targets as allTargets, type RunningServer, type Target, type TargetId } from './targets.js';
import { webhookScenario } from './webhook-scenario.js';

export interface RunOptions {
  quick: boolean;
  /** Only these servers (default: all). */
  only?: TargetId[];
  /** Only these scenarios (default: all). */
  scenarios?: (keyof Scenarios)[];
  /** Search over LARGE_SEARCH_DOCUMENTS documents instead of the profile's (`--large`). */
  large?: boolean;
  log?: (message: string) => void;
}

/** The corpus of `pnpm bench --scenario=search --large`: not part of the default run (seeding alone takes minutes). */
export const LARGE_SEARCH_DOCUMENTS = 1_000_000;

function notAvailable(error: unknown): { na: `n/a${string}` } {
  if (error instanceof NotMeasured) return { na: error.reason };
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 300);
  return { na: `n/a (${message})` };
}

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    return notAvailable(error);
  }
}

const emptyPerTarget = <T>(): PerTarget<T> => ({}) as PerTarget<T>;

/** Runs every scenario against every server and returns the results; never throws for one server's failure. */
export async function runBench(options: RunOptions): Promise<RunResult> {
  const log = options.log ?? ((m: string) => process.stdout.write(`${m}\n`));
  const base = options.quick ? quickProfiles : fullProfiles;
  const profiles = options.large
    ? { ...base, search: { ...base.search, documents: LARGE_SEARCH_DOCUMENTS } }
    : base;
  const targets = allTargets.filter((t) => !options.only || options.only.includes(t.id));
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const infra = await BenchInfrastructure.create();
  const fleet = ClientFleet.start(profiles.workers);
  let history: RecordedHistory | undefined;
  const ctx: ScenarioContext = {
    fleet,
    infra,
    profiles,
    log,
    history: () => {
      history ??= recordHistory(profiles.cold.transactions, profiles.cold.keystrokesPerUpdate);
      return history;
    },
  };
  const scenarios: Scenarios = {
    typingSmall: emptyPerTarget(),
    typingMedium: emptyPerTarget(),
    crossInstance: emptyPerTarget(),
    saturation: emptyPerTarget(),
    coldLoad: emptyPerTarget(),
    idleConnections: emptyPerTarget(),
    durability: emptyPerTarget(),
    replay: emptyPerTarget(),
    replayTwoAuthors: emptyPerTarget(),
    search: emptyPerTarget(),
    safeWrite: emptyPerTarget(),
    encryption: emptyPerTarget(),
    webhooks: emptyPerTarget(),
  };
  try {
    const docs = {
      small: await infra.createDocuments(profiles.small.docs, 'typing small'),
      medium: await infra.createDocuments(profiles.medium.docs, 'typing medium'),
      cross: await infra.createDocuments(profiles.medium.docs, 'cross-instance'),
      saturation: await infra.createDocuments(profiles.saturation.docs, 'saturation'),
      idle: await infra.createDocuments(profiles.idle.docs, 'idle'),
      durability: await infra.createDocuments(profiles.durability.docs, 'durability'),
      cold: await infra.createDocuments(2, 'cold load'),
      // A document per server: a replay's history must not be another server's.
      replay: await infra.createDocuments(targets.length, 'trace replay'),
      replayTwoAuthors: await infra.createDocuments(targets.length, 'two-author replay'),
    };
    const docOf = (list: string[], target: Target) => list[targets.indexOf(target)] as string;
    const byScenario: { name: keyof Scenarios; run: (target: Target) => Promise<unknown> }[] = [
      {
        name: 'typingSmall',
        run: (t) => withServer(ctx, t, {}, (s) => scenario.typing(ctx, t, s, docs.small, profiles.small)),
      },
      {
        name: 'typingMedium',
        run: (t) => withServer(ctx, t, {}, (s) => scenario.typing(ctx, t, s, docs.medium, profiles.medium)),
      },
      {
        name: 'crossInstance',
        run: async (t) => {
          if (t.noCrossInstance) throw new NotMeasured(`n/a (${t.noCrossInstance})`);
          return withServer(ctx, t, { instances: 2, redis: true }, (s) =>
            scenario.crossInstance(ctx, t, s, docs.cross, profiles.medium),
          );
        },
      },
      {
        name: 'saturation',
        run: (t) => withServer(ctx, t, {}, (s) => scenario.saturation(ctx, t, s, docs.saturation)),
      },
      { name: 'idleConnections', run: (t) => scenario.idleConnections(ctx, t, docs.idle) },
      {
        name: 'durability',
        run: async (t) => {
          if (t.protocol === 'y-websocket') {
            throw new NotMeasured(
              'n/a (no acknowledgement in the y-websocket protocol and no Postgres storage)',
            );
          }
          return scenario.durability(ctx, t, docs.durability);
        },
      },
      { name: 'replay', run: (t) => replayOneAuthor(ctx, t, docOf(docs.replay, t)) },
      {
        name: 'replayTwoAuthors',
        run: (t) => replayTwoAuthors(ctx, t, docOf(docs.replayTwoAuthors, t)),
      },
      {
        name: 'coldLoad',
        run: async (t) => {
          if (t.noPersistence) throw new NotMeasured(`n/a (${t.noPersistence})`);
          return scenario.coldLoad(ctx, t, docs.cold[0] as string, docs.cold[1] as string);
        },
      },
      {
        name: 'search',
        run: async (t) => {
          if (t.id !== 'folio') throw new NotMeasured('n/a (a collaboration server only: no search)');
          return searchScenario(ctx);
        },
      },
      {
        name: 'safeWrite',
        run: async (t) => {
          if (t.id !== 'folio') throw new NotMeasured('n/a (a collaboration server only: no REST writes)');
          return safeWriteScenario(ctx);
        },
      },
      {
        name: 'encryption',
        run: async (t) => {
          if (t.id !== 'folio') throw new NotMeasured('n/a (Folio alone seals what it stores)');
          return encryptionCostScenario(ctx, t);
        },
      },
      {
        name: 'webhooks',
        run: async (t) => {
          if (t.id !== 'folio') throw new NotMeasured('n/a (a collaboration server only: no webhooks)');
          return webhookScenario(ctx);
        },
      },
    ];
    // Scenario by scenario, every server in turn (alternating the order): on a machine
    // whose load changes, servers compared in one row were measured minutes apart at most.
    for (const [index, { name, run }] of byScenario.entries()) {
      if (options.scenarios && !options.scenarios.includes(name)) continue;
      log(name);
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        if (name === 'saturation') log(`  ${target.label}:`);
        const began = performance.now();
        const outcome = await attempt(() => run(target));
        (scenarios[name] as Record<TargetId, unknown>)[target.id] = outcome;
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        const summary = isNa(outcome as Outcome<unknown>) ? (outcome as { na: string }).na : 'done';
        log(`  ${target.label}: ${summary} (${seconds} s)`);
      }
    }
  } finally {
    fleet.close();
    await infra.close();
  }
  const finishedAt = new Date();
  return {
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSec: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      mode: options.quick ? 'quick' : 'full',
      command: `pnpm bench${options.quick ? ' --quick' : ''}${options.large ? ' --large' : ''}`,
      commit: gitCommit(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 1024 ** 3),
        node: process.version,
        os: `${platform()} ${release()}`,
      },
      clientProcesses: profiles.workers,
      loadAverage: { start: loadAtStart, end: loadAverage() },
    },
    targets: targets.map(({ id, label, protocol }) => ({ id, label, protocol })),
    scenarios,
  };
}

/** Starts a fresh server for one scenario and stops it afterwards. */
async function withServer<T>(
  ctx: ScenarioContext,
  target: Target,
  options: { instances?: number; redis?: boolean },
  run: (server: RunningServer) => Promise<T>,
): Promise<T> {
  let server: RunningServer;
  try {
    server = await target.start(ctx.infra.env, {
      instances: options.instances ?? 1,
      redis: options.redis ?? false,
    });
  } catch (error) {
    throw new NotMeasured(notAvailable(new Error(`server did not start: ${(error as Error).message}`)).na);
  }
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
