import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createTestDatabase, startTcpProxy, type TestDatabase } from '../testing/index.js';
import { openDatabase } from './connect.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('the Postgres pool', () => {
  // Regression (found by the chaos run, issue 11): a connection lost while a query was in
  // flight made its pg client emit 'error' with no listener (pg-pool listens only while a
  // client is idle), and every collaboration instance with a query running crashed when
  // Postgres restarted or a connection was reset.
  it('survives a connection lost mid-query: the query fails, the process and the pool go on', async () => {
    const target = new URL(t.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const handle = await openDatabase({
      url: proxy.url(t.url),
      dataDir: '.',
      poolSize: 2,
      log: createLogger({ level: 'silent', name: 'test' }),
    });
    try {
      const running = sql`select pg_sleep(30)`.execute(handle.db).then(
        () => 'finished',
        (error: Error) => error.message,
      );
      await new Promise((r) => setTimeout(r, 300));
      proxy.resetAll();
      expect(await running).not.toBe('finished');
      const after = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
      expect(after.rows[0]?.one).toBe(1);
    } finally {
      await handle.close();
      await proxy.close();
    }
  });
});
