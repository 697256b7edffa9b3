import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchInfrastructure } from './bench-infra.js';
import {
  cpuPercent,
  repoRoot,
  type ServerProcess,
  sampleProcess,
  startProcess,
  trySampleProcess,
} from './processes.js';
import type { SearchLatency, SearchResult } from './results.js';
import type { ScenarioContext } from './scenarios.js';
import { databaseCpu, NotMeasured } from './scenarios.js';
import { median, percentiles, round } from './stats.js';
import { readTrace } from './trace-replay.js';

export const apiEntry = join(repoRoot, 'api/dist/main.js');

/**
 * Sentences of the automerge-paper's final text (the LaTeX source of a CRDT paper), LaTeX
 * commands and comments stripped: English prose with a real word distribution, common
 * words in most documents and technical terms in few.
 */
export function paperSentences(): string[] {
  const { endContent } = readTrace('automerge-paper');
  const prose = endContent
    .replace(/%[^\n]*/g, ' ')
    .replace(/\\[a-zA-Z]+\*?/g, ' ')
    .replace(/[{}$\\&_^~[\]#]/g, ' ')
    .replace(/\s+/g, ' ');
  return prose
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length >= 30 && s.length <= 400 && /^[A-Z]/.test(s));
}

/** The fixed mix, cycled in this order: single word, two words, quoted phrase, `or`, negation. */
export const searchQueries: { kind: string; q: string }[] = [
  { kind: 'word', q: 'replica' },
  { kind: 'two words', q: 'concurrent insertion' },
  { kind: 'phrase', q: '"JSON data structure"' },
  { kind: 'or', q: 'register or cursor' },
  { kind: 'negation', q: 'list -map' },
  { kind: 'word', q: 'semantics' },
  { kind: 'two words', q: 'operational transformation' },
  { kind: 'phrase', q: '"text editing"' },
  { kind: 'or', q: 'Kleppmann or Beresford' },
  { kind: 'negation', q: 'network -replica' },
  { kind: 'word', q: 'tombstone' },
  { kind: 'two words', q: 'nested map' },
  { kind: 'phrase', q: '"same state"' },
  { kind: 'or', q: 'deletion or assignment' },
  { kind: 'negation', q: 'operation -insert' },
];

/**
 * The real API (`node api/dist/main.js`) on the run's database, without Redis, and its
 * base URL once it listens. `env` adds to (or overrides) the defaults.
 */
export async function startBenchApi(
  ctx: Pick<ScenarioContext, 'infra'>,
  env: NodeJS.ProcessEnv = {},
): Promise<{ api: ServerProcess; base: string }> {
  if (!existsSync(apiEntry)) throw new NotMeasured('n/a (api/dist/main.js is missing: run tsc -b)');
  const api = startProcess([apiEntry], {
    DATABASE_URL: ctx.infra.env.databaseUrl,
    REDIS_URL: '',
    SECRET_KEY: ctx.infra.env.secretKey,
    KEY_FILE: ctx.infra.env.keyFile,
    API_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // The default (600 per token per minute) would throttle the measurement itself.
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...env,
  });
  try {
    const match = await api.waitFor(/"url":"(http:\/\/[^"]+)"[^\n]*API listening/, 20_000);
    return { api, base: match[1] as string };
  } catch (error) {
    await api.stop();
    throw error;
  }
}

interface Timed {
  kind: string;
  ms: number;
  hits: number;
}

/**
 * A timer of `GET /v1/search` against a started API with the bench user's API token:
 * each call runs the mix from its start, `queries` of them from `concurrency` callers
 * each waiting for its answer, and reports latency and the CPU of the API, the
 * database's backends and this process (the callers).
 */
export function searchTimer(target: {
  infra: BenchInfrastructure;
  api: ServerProcess;
  base: string;
  workspaceId: string;
}): (queries: number, concurrency: number) => Promise<SearchLatency> {
  const headers = { authorization: `Bearer ${target.infra.token}` };
  let next = 0;
  const one = async (): Promise<Timed> => {
    const { kind, q } = searchQueries[next++ % searchQueries.length] as { kind: string; q: string };
    const url = `${target.base}/v1/search?${new URLSearchParams({ q, workspaceId: target.workspaceId, limit: '20' })}`;
    const began = performance.now();
    const response = await fetch(url, { headers });
    const body = (await response.json()) as { items?: unknown[] };
    const ms = performance.now() - began;
    if (response.status !== 200) {
      throw new Error(`search ${JSON.stringify(q)} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    return { kind, ms, hits: body.items?.length ?? 0 };
  };
  return async (queries: number, concurrency: number): Promise<SearchLatency> => {
    next = 0;
    const timings: Timed[] = [];
    const backends = await target.infra.backendPids();
    const dbBefore = backends.map(trySampleProcess);
    const cpuBefore = sampleProcess(target.api.pid);
    const clientBefore = process.cpuUsage();
    const began = performance.now();
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < queries) {
          started++;
          timings.push(await one());
        }
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const client = process.cpuUsage(clientBefore);
    const cpuAfter = sampleProcess(target.api.pid);
    const dbAfter = backends.map(trySampleProcess);
    const apiCpu = cpuPercent([cpuBefore], [cpuAfter]);
    const dbCpu = databaseCpu(dbBefore, dbAfter);
    const clientCpu = ((client.user + client.system) / 1000 / (seconds * 1000)) * 100;
    const stats = percentiles(Float64Array.from(timings.map((t) => t.ms)));
    if (!stats) throw new Error('no search query was timed');
    const byKind: Record<string, number> = {};
    for (const kind of new Set(timings.map((t) => t.kind))) {
      byKind[kind] = round(median(timings.filter((t) => t.kind === kind).map((t) => t.ms)));
    }
    return {
      queries: timings.length,
      concurrency,
      p50Ms: stats.p50,
      p95Ms: stats.p95,
      p99Ms: stats.p99,
      maxMs: stats.max,
      queriesPerSec: round(timings.length / seconds, 1),
      p50MsByKind: byKind,
      meanHits: round(timings.reduce((sum, t) => sum + t.hits, 0) / timings.length, 1),
      apiCpuPercent: Math.round(apiCpu),
      databaseCpuPercent: Math.round(dbCpu),
      clientCpuPercent: Math.round(clientCpu),
      // % of a core × seconds ÷ queries: what one query costs the machine, whatever the concurrency.
      cpuMsPerQuery: round(((apiCpu + dbCpu + clientCpu) * 10 * seconds) / timings.length, 1),
      loadAverage: round(loadavg()[0] ?? 0, 1),
    };
  };
}

/**
 * Seeds the corpus, starts the real API (`node api/dist/main.js`) on the run's database
 * and times `GET /v1/search` with the bench user's API token: a warm-up, then the mix one
 * query at a time, then the mix from `concurrency` callers at once.
 */
export async function searchScenario(ctx: ScenarioContext): Promise<SearchResult> {
  const profile = ctx.profiles.search;
  const seedStart = performance.now();
  const workspaceId = await ctx.infra.seedSearchDocuments(profile.documents, paperSentences());
  const seedMs = Math.round(performance.now() - seedStart);
  ctx.log(`  seeded ${profile.documents} documents in ${(seedMs / 1000).toFixed(1)} s`);

  const { api, base } = await startBenchApi(ctx);
  try {
    const run = searchTimer({ infra: ctx.infra, api, base, workspaceId });
    // At full concurrency, so that the API's pool holds every connection the measurement uses.
    await run(profile.warmupQueries, profile.concurrency);
    const sequential = await run(profile.queries, 1);
    const concurrent = await run(profile.queries, profile.concurrency);
    if (sequential.meanHits === 0) throw new Error('no query found anything: the corpus was not seeded');
    return {
      documents: profile.documents,
      seedMs,
      p50Ms: sequential.p50Ms,
      p95Ms: sequential.p95Ms,
      p99Ms: sequential.p99Ms,
      maxMs: sequential.maxMs,
      queriesPerSec: sequential.queriesPerSec,
      sequential,
      concurrent,
    };
  } finally {
    await api.stop();
  }
}
