/**
 * `node bench/dist/profile-folio.js [clients] [docs] [intervalMs] [seconds] [target]`: runs
 * one typing profile (default: the medium one) against Folio (or another target of the
 * bench, e.g. `hocuspocus`, for a side-by-side profile) started with --cpu-prof, then
 * prints the latency, Folio's own store metrics (/metrics), Postgres wait events seen
 * during the run, and the functions with the most self time. For finding where Folio
 * falls short of its targets, and for before/after comparisons of a fix.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clock } from './bench-client.js';
import { BenchInfrastructure } from './bench-infra.js';
import { ClientFleet } from './client-fleet.js';
import { printCpuProfileTop } from './cpu-profile.js';
import { serverNodeArgs } from './processes.js';
import * as scenario from './scenarios.js';
import { percentiles } from './stats.js';
import { targets } from './targets.js';
import { WaitEventSampler } from './wait-events.js';

const [clients = 500, docs = 100, intervalMs = 100, seconds = 8] = process.argv.slice(2, 6).map(Number);
const targetId = process.argv[6] ?? 'folio';
const profileDir = await mkdtemp(join(tmpdir(), 'folio-cpu-prof-'));
serverNodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
const folio = targets.find((t) => t.id === targetId);
if (!folio) throw new Error(`no target ${targetId}: one of ${targets.map((t) => t.id).join(', ')}`);

const infra = await BenchInfrastructure.create();
const fleet = ClientFleet.start(3);
try {
  const ids = await infra.createDocuments(docs, 'profile');
  const server = await folio.start(infra.env, { instances: 1 });
  const sampler = await WaitEventSampler.start(infra.env.databaseUrl);
  const connected = await fleet.connect(scenario.clientSpecs(folio, server.urls, ids, clients, infra.token));
  console.log(`connected ${connected.synced}, failed ${connected.failed} ${connected.firstError ?? ''}`);
  const typed = await fleet.type({
    intervalMs,
    startAt: clock() + 200,
    warmupMs: 1_000,
    durationMs: seconds * 1000,
    drainMs: 2_000,
    measureAck: true,
  });
  await fleet.disconnect();
  const perDoc = clients / docs;
  const result = {
    sends: typed.sends,
    delivered: `${typed.latencies.length} of ${typed.sends * (perDoc - 1)}`,
    latencyMs: percentiles(typed.latencies),
    ackMs: percentiles(typed.acks),
    clientCpuPercent: Math.round(typed.clientCpuPercent),
  };
  const metrics = await (await fetch(`${(server.urls[0] as string).replace(/^ws/, 'http')}/metrics`)).text();
  await sampler.stop();
  await server.stop();
  console.log(JSON.stringify(result));
  console.log('\nFolio metrics:');
  for (const line of metrics.split('\n')) {
    if (/^folio_(store|update_apply)_\w+_(sum|count)|^folio_store_batch_size_(sum|count)/.test(line))
      console.log(`  ${line}`);
  }
  console.log('\nPostgres backends of the bench database, sampled every 50 ms (state or wait event):');
  for (const [wait, n] of sampler.top(10)) console.log(`  ${n}\t${wait}`);
  const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  await printCpuProfileTop(join(profileDir, file), 25);
} finally {
  fleet.close();
  await infra.close();
}
process.exit(0);
