/**
 * A baseline Hocuspocus server process, started by the harness:
 * - BENCH_MODE=plain: `@hocuspocus/server` alone, documents in memory only;
 * - BENCH_MODE=stock: the stack a team would deploy from the shelf, with
 *   `extension-database` storing snapshots into a Postgres table and
 *   `extension-redis` fanning updates out to other instances.
 * Prints one JSON line `{"listening": url}` once it accepts connections.
 */
import { Database } from '@hocuspocus/extension-database';
import { Redis } from '@hocuspocus/extension-redis';
import { type Extension, Server } from '@hocuspocus/server';
import pg from 'pg';

const mode = process.env.BENCH_MODE ?? 'plain';
const port = Number(process.env.PORT ?? '0');
const extensions: Extension[] = [];
let pool: pg.Pool | undefined;

if (mode === 'stock') {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_MODE=stock needs DATABASE_URL');
  const table = process.env.SNAPSHOT_TABLE ?? 'bench_hocuspocus_documents';
  const db = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  pool = db;
  extensions.push(
    new Database({
      fetch: async ({ documentName }) => {
        const { rows } = await db.query<{ state: Buffer }>(`select state from ${table} where name = $1`, [
          documentName,
        ]);
        const state = rows[0]?.state;
        return state ? new Uint8Array(state.buffer, state.byteOffset, state.byteLength) : null;
      },
      store: async ({ documentName, state }) => {
        await db.query(
          `insert into ${table} (name, state) values ($1, $2)
           on conflict (name) do update set state = excluded.state, updated_at = now()`,
          [documentName, state],
        );
      },
    }),
  );
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    const url = new URL(redisUrl);
    extensions.push(
      new Redis({
        host: url.hostname,
        port: Number(url.port || '6379'),
        prefix: process.env.REDIS_PREFIX ?? 'hocuspocus',
      }),
    );
  }
}

const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  // The harness stops us with SIGTERM; let Hocuspocus store documents and exit.
  stopOnSignals: true,
  extensions,
});
await server.listen();
process.stdout.write(`${JSON.stringify({ listening: `ws://127.0.0.1:${server.address.port}` })}\n`);
process.on('exit', () => {
  void pool?.end();
});
