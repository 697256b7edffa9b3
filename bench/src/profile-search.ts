/**
 * `node bench/dist/profile-search.js [documents] [queries] [concurrency …]`: seeds the
 * search corpus (default 100,000 documents), then for each concurrency (default 1 and 8)
 * starts the real API with --cpu-prof, times `queries` searches of the mix (default 300)
 * and prints the CPU of the API, Postgres and the callers per query, and where the API's
 * CPU went (self time by package, then by function). Finally EXPLAIN (ANALYZE, BUFFERS)
 * of every query of the mix, as the API sends it. For the throughput question of issue
 * 12: what one search costs the machine, and where.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchDocuments } from '@folio/shared/db';
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { BenchInfrastructure } from './bench-infra.js';
import { printCpuProfileByPackage, printCpuProfileTop } from './cpu-profile.js';
import { serverNodeArgs } from './processes.js';
import { paperSentences, searchQueries, searchTimer, startBenchApi } from './search-scenario.js';

const [documents = 100_000, queries = 300, ...rest] = process.argv.slice(2).map(Number);
const concurrencies = rest.length ? rest : [1, 8];

const infra = await BenchInfrastructure.create();
try {
  const workspaceId = await infra.seedSearchDocuments(documents, paperSentences());
  for (const concurrency of concurrencies) {
    const profileDir = await mkdtemp(join(tmpdir(), 'folio-search-prof-'));
    serverNodeArgs.splice(0, serverNodeArgs.length, '--cpu-prof', '--cpu-prof-dir', profileDir);
    const { api, base } = await startBenchApi({ infra });
    const run = searchTimer({ infra, api, base, workspaceId });
    await run(32, 8);
    const measured = await run(queries, concurrency);
    await api.stop();
    console.log(`\n== ${concurrency} caller(s): ${JSON.stringify(measured)}`);
    const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    await printCpuProfileByPackage(join(profileDir, file), 15);
    await printCpuProfileTop(join(profileDir, file), 30);
  }
  await explainMix(infra.env.databaseUrl, workspaceId);
} finally {
  await infra.close();
}
process.exit(0);

/** EXPLAIN (ANALYZE, BUFFERS) of each statement searchDocuments sends, for each query of the mix. */
async function explainMix(url: string, workspaceId: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const captured: CompiledQuery[] = [];
  const db = new Kysely<never>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  const { rows } = await pool.query<{ id: string }>('select user_id as id from workspace_members limit 1');
  const userId = rows[0]?.id;
  if (!userId) throw new Error('no bench user');
  for (const { kind, q } of searchQueries) {
    captured.length = 0;
    await searchDocuments(db as never, { text: q, userId, instanceAdmin: false, workspaceId, limit: 20 });
    const main = captured.find((c) => c.sql.includes('ts_headline'));
    if (!main) throw new Error('no search statement captured');
    const plan = await pool.query<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers) ${main.sql}`,
      main.parameters as unknown[],
    );
    const lines = plan.rows.map((r) => r['QUERY PLAN']);
    console.log(`\n== EXPLAIN ${kind} ${JSON.stringify(q)}: ${lines.at(-1)}`);
    for (const line of lines) console.log(`  ${line}`);
  }
  await db.destroy();
}
