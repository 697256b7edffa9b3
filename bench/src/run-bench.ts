import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { BenchInfrastructure } from './bench-infra.js';
import { ClientFleet } from './client-fleet.js';
import { type RecordedHistory, recordHistory } from './editing-trace.js';
import { repoRoot } from './processes.js';
import { fullProfiles, quickProfiles } from './profiles.js';
import type { Outcome, PerTarget, RunResult, Scenarios } from './results.js';
import * as scenario from './scenarios.js';
import { NotMeasured, type ScenarioContext } from './scenarios.js';
import { targets as allTargets, type RunningServer, type Target, type TargetId } from './targets.js';

export interface RunOptions {
  quick: boolean;
  /** Only these servers (default: all). */
  only?: TargetId[];
  log?: (message: string) => void;
}

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
  const profiles = options.quick ? quickProfiles : fullProfiles;
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
    search: emptyPerTarget(),
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
    };
    for (const target of targets) {
      log(`${target.label}`);
      const step = async <K extends keyof Scenarios>(
        name: K,
        run: () => Promise<Scenarios[K][TargetId]>,
      ): Promise<void> => {
        const began = performance.now();
        const outcome = (await attempt(run)) as Scenarios[K][TargetId];
        scenarios[name][target.id] = outcome;
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        log(
          `  ${name}: ${'na' in (outcome as object) ? (outcome as { na: string }).na : 'done'} (${seconds} s)`,
        );
      };
      await sessionScenarios(ctx, target, docs, step);
      await step('idleConnections', () => scenario.idleConnections(ctx, target, docs.idle));
      await step('crossInstance', async () => {
        if (target.noCrossInstance) throw new NotMeasured(`n/a (${target.noCrossInstance})`);
        const server = await target.start(infra.env, { instances: 2, redis: true });
        try {
          return await scenario.crossInstance(ctx, target, server, docs.cross, profiles.medium);
        } finally {
          await server.stop();
        }
      });
      await step('durability', async () => {
        if (target.protocol === 'y-websocket') {
          throw new NotMeasured(
            'n/a (no acknowledgement in the y-websocket protocol and no Postgres storage)',
          );
        }
        return scenario.durability(ctx, target, docs.durability);
      });
      await step('coldLoad', async () => {
        if (target.noPersistence) throw new NotMeasured(`n/a (${target.noPersistence})`);
        return scenario.coldLoad(ctx, target, docs.cold[0] as string, docs.cold[1] as string);
      });
      await step('search', async () => {
        throw new NotMeasured('n/a: search not implemented');
      });
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
      command: options.quick ? 'pnpm bench --quick' : 'pnpm bench',
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

/** The scenarios that share one single-instance server process per target. */
async function sessionScenarios(
  ctx: ScenarioContext,
  target: Target,
  docs: Record<'small' | 'medium' | 'saturation', string[]>,
  step: <K extends keyof Scenarios>(name: K, run: () => Promise<Scenarios[K][TargetId]>) => Promise<void>,
): Promise<void> {
  let server: RunningServer | undefined;
  let startError: unknown;
  try {
    server = await target.start(ctx.infra.env, { instances: 1 });
  } catch (error) {
    startError = error;
  }
  const withServer =
    <T>(run: (s: RunningServer) => Promise<T>) =>
    async () => {
      if (!server)
        throw new NotMeasured(
          notAvailable(new Error(`server did not start: ${(startError as Error).message}`)).na,
        );
      return run(server);
    };
  try {
    await step(
      'typingSmall',
      withServer((s) => scenario.typing(ctx, target, s, docs.small, ctx.profiles.small)),
    );
    await step(
      'typingMedium',
      withServer((s) => scenario.typing(ctx, target, s, docs.medium, ctx.profiles.medium)),
    );
    await step(
      'saturation',
      withServer((s) => scenario.saturation(ctx, target, s, docs.saturation)),
    );
  } finally {
    await server?.stop();
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
