/**
 * `node bench/dist/profile-replay.js [keystrokes] [maxInFlight] [target]`: replays the first
 * keystrokes of automerge-paper through one provider against Folio (or another target,
 * e.g. `hocuspocus`) started with
 * --cpu-prof (as `pnpm bench`'s replay scenario does, at most maxInFlight unacknowledged),
 * then prints the rate, Folio's commit metrics (batches, batch size, commit time) and the
 * functions with the most self time. Acknowledgements pace this replay, so its rate is
 * maxInFlight ÷ acknowledgement latency: the commit figures say where that latency goes.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchInfrastructure } from './bench-infra.js';
import { ClientFleet } from './client-fleet.js';
import { printCpuProfileTop } from './cpu-profile.js';
import { serverNodeArgs } from './processes.js';
import { targets } from './targets.js';

const [keystrokes = 60_000, maxInFlight = 256] = process.argv.slice(2, 4).map(Number);
const targetId = process.argv[4] ?? 'folio';
const profileDir = await mkdtemp(join(tmpdir(), 'folio-cpu-prof-'));
serverNodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
const folio = targets.find((t) => t.id === targetId);
if (!folio) throw new Error(`no target ${targetId}: one of ${targets.map((t) => t.id).join(', ')}`);

const infra = await BenchInfrastructure.create();
const fleet = ClientFleet.start(1);
try {
  const [documentId] = await infra.createDocuments(1, 'profile replay');
  const server = await folio.start(infra.env, { instances: 1, persistent: true });
  const url = server.urls[0] as string;
  const outcome = await fleet.replay({
    writers: [{ protocol: folio.protocol, url, documentId: documentId as string, token: infra.token }],
    readerUrl: url,
    limit: keystrokes,
    maxInFlight,
    timeCapMs: 120_000,
  });
  const metrics = await fetch(`${url.replace(/^ws/, 'http')}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  await server.stop();
  const rate = outcome.acknowledged / Math.max(0.001, outcome.elapsedMs / 1000);
  console.log(
    JSON.stringify({
      acknowledged: outcome.acknowledged,
      keystrokes: outcome.keystrokes,
      perSecond: Math.round(rate),
      impliedAckMs: Math.round((maxInFlight / rate) * 1000 * 10) / 10,
      mismatch: outcome.mismatch,
    }),
  );
  const value = (name: string) =>
    Number(metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
  const batches = value('folio_store_seconds_count');
  if (batches > 0)
    console.log(
      `commits: ${batches}, updates per commit ${(value('folio_store_batch_size_sum') / batches).toFixed(1)}, ` +
        `mean commit ${((value('folio_store_seconds_sum') / batches) * 1000).toFixed(2)} ms`,
    );
  const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  await printCpuProfileTop(join(profileDir, file), 20);
} finally {
  fleet.close();
  await infra.close();
}
process.exit(0);
