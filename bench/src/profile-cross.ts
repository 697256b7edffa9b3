/**
 * `node bench/dist/profile-cross.js [clients] [docs] [intervalMs] [seconds] [instances] [cpuProf] [affine]`:
 * the cross-instance scenario (default: the medium profile over 2 Folio instances sharing
 * Redis and Postgres) with each instance started with --cpu-prof (cpuProf 1, the
 * default). Prints latency, each instance's store / anti-entropy / Redis metrics, the
 * Postgres wait events (with the statement for lock waits), machine CPU, and each
 * instance's top self-time functions. For comparing 1 and 2 instances under one load.
 * `affine` 1 puts all clients of a document on one instance (control: same load, no
 * document shared between instances).
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
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

const [clients = 500, docs = 100, intervalMs = 100, seconds = 8, instances = 2, cpuProf = 1, affine = 0] =
  process.argv.slice(2).map(Number);
const profileDir = await mkdtemp(join(tmpdir(), 'folio-cross-prof-'));
if (cpuProf) serverNodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
const folio = targets.find((t) => t.id === 'folio');
if (!folio) throw new Error('no folio target');

function cpuTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

const infra = await BenchInfrastructure.create();
const fleet = ClientFleet.start(3);
try {
  const ids = await infra.createDocuments(docs, 'cross');
  const server = await folio.start(infra.env, { instances, redis: true });
  const sampler = await WaitEventSampler.start(infra.env.databaseUrl);
  const specs = scenario.clientSpecs(folio, server.urls, ids, clients, infra.token);
  // affine 1: every client of a document on the same instance (no document spans
  // instances, no row lock shared): the same processes and load without the contention.
  if (affine) {
    specs.forEach((spec, c) => {
      spec.url = server.urls[(c % docs) % instances] as string;
    });
  }
  const connected = await fleet.connect(specs);
  console.log(
    `instances ${instances}: connected ${connected.synced}, failed ${connected.failed} ${connected.firstError ?? ''}`,
  );
  const before = cpuTicks();
  const typed = await fleet.type({
    intervalMs,
    startAt: clock() + 200,
    warmupMs: 1_000,
    durationMs: seconds * 1000,
    drainMs: 1_000,
    measureAck: true,
  });
  const after = cpuTicks();
  await fleet.disconnect();
  const perDoc = clients / docs;
  const expected = typed.sends * (perDoc - 1);
  console.log(
    JSON.stringify({
      sends: typed.sends,
      delivered: `${typed.latencies.length} of ${expected} (${Math.round((100 * typed.latencies.length) / expected)} %)`,
      latencyMs: percentiles(typed.latencies),
      ackMs: percentiles(typed.acks),
      clientCpuPercent: Math.round(typed.clientCpuPercent),
      machineCpuPercent: Math.round((200 * (after.busy - before.busy)) / (after.total - before.total)),
    }),
  );
  for (const url of server.urls) {
    const metrics = await (await fetch(`${url.replace(/^ws/, 'http')}/metrics`)).text();
    console.log(`\nFolio metrics of ${url}:`);
    for (const line of metrics.split('\n')) {
      if (
        /^folio_(store|update_apply|redis_roundtrip)_\w+_(sum|count)|^folio_store_batch_size_(sum|count)|^folio_anti_entropy/.test(
          line,
        )
      )
        console.log(`  ${line}`);
    }
  }
  await sampler.stop();
  await server.stop();
  console.log('\nPostgres backends of the bench database, sampled every 50 ms (state or wait event):');
  for (const [wait, n] of sampler.top(14)) console.log(`  ${n}\t${wait}`);
  for (const file of (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'))) {
    await printCpuProfileTop(join(profileDir, file), 18);
  }
} finally {
  fleet.close();
  await infra.close();
}
process.exit(0);
