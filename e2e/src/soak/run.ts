import { signConnectToken } from '@folio/shared';
import { sessionStarter } from '@folio/shared/commands';
import { openKeyring } from '@folio/shared/crypto';
import { openDatabase } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { buildDocument, buildUser } from '@folio/shared/testing';
import { PrivatePostgres, PrivateRedis } from '../chaos/services.js';
import { hocuspocusClient, runKeyFile, SECRET_KEY, spawnCollab, yWebsocketClient } from '../harness.js';

/**
 * The soak run (`pnpm soak --minutes N`): one collaboration instance on a private
 * Postgres and Redis; clients of both protocols connect to one of many documents, type
 * for a few seconds, disconnect, and are replaced, for the whole period. After a
 * warm-up, the instance's RSS and heap (from its /metrics) must grow less than 10 %,
 * its open file descriptors and its Postgres connections stay flat, and once every
 * client has gone every document unloads.
 */

export interface SoakOptions {
  minutes: number;
  /** Clients connected at any time. */
  clients?: number;
  documents?: number;
  print?: (line: string) => void;
}

export interface SoakSample {
  at: number;
  rss: number;
  heap: number;
  fds: number;
  documents: number;
  postgresConnections: number;
}

export interface SoakReport {
  minutes: number;
  sessions: number;
  operations: number;
  first: SoakSample | undefined;
  last: SoakSample | undefined;
  rssGrowth: number;
  heapGrowth: number;
  documentsAfterIdle: number;
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const metric = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
};

/** Mean of a field over samples. */
const mean = (samples: SoakSample[], field: keyof SoakSample) =>
  samples.reduce((sum, s) => sum + s[field], 0) / Math.max(1, samples.length);

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const durationMs = options.minutes * 60_000;
  const concurrent = options.clients ?? 30;
  const documentCount = options.documents ?? 20;
  const report: SoakReport = {
    minutes: options.minutes,
    sessions: 0,
    operations: 0,
    first: undefined,
    last: undefined,
    rssGrowth: 0,
    heapGrowth: 0,
    documentsAfterIdle: -1,
    failures: [],
  };
  const postgres = await PrivatePostgres.start();
  const redis = await PrivateRedis.start();
  const log = createLogger({ level: 'silent', name: 'soak' });
  const instance = await spawnCollab({
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'soak:',
  }).catch(async (error) => {
    await redis.stop();
    await postgres.stop();
    throw error;
  });
  const direct = await openDatabase({
    url: postgres.url,
    // The key file the spawned servers use.
    keyring: await openKeyring({ DATA_DIR: '.', KEY_FILE: runKeyFile(), ENCRYPTION: true }),
    dataDir: '.',
    log,
    poolSize: 2,
  });
  const live = new Set<{ destroy(): void }>();
  let running = true;
  try {
    const user = await buildUser(direct.db, { name: 'Soak' });
    const { sessionId } = await sessionStarter(direct.db, { userId: user.id });
    const documents: string[] = [];
    for (let i = 0; i < documentCount; i++) documents.push((await buildDocument(direct.db, user)).id);
    const httpUrl = instance.url.replace(/^ws/, 'http');
    const sample = async (): Promise<SoakSample> => {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      const rows = await postgres.query(
        "select count(*)::int as n from pg_stat_activity where datname = 'folio' and application_name like 'folio%'",
      );
      return {
        at: Date.now(),
        rss: metric(text, 'process_resident_memory_bytes'),
        heap: metric(text, 'nodejs_heap_size_used_bytes'),
        fds: metric(text, 'process_open_fds'),
        documents: metric(text, 'folio_documents_loaded'),
        postgresConnections: Number(rows[0]?.n ?? 0),
      };
    };

    /** One client's session: connect, type for 2–8 s at about 10 edits/s, leave. */
    const session = async (n: number) => {
      const documentId = documents[Math.floor(Math.random() * documents.length)] as string;
      const token = signConnectToken(
        { userId: user.id, documentId, role: 'owner', credentialId: sessionId, ttlSeconds: 600 },
        SECRET_KEY,
      ).token;
      const client =
        n % 2 === 0
          ? hocuspocusClient(instance.url, documentId, token)
          : yWebsocketClient(instance.url, documentId, token);
      live.add(client);
      report.sessions++;
      const until = Date.now() + 2_000 + Math.random() * 6_000;
      while (running && Date.now() < until) {
        const text = client.doc.getText('t');
        // Typing and deleting, so documents do not only grow.
        if (text.length > 200 && Math.random() < 0.4) text.delete(0, 5);
        else text.insert(text.length, `${n % 10}`);
        report.operations++;
        await sleep(100);
      }
      client.destroy();
      live.delete(client);
    };
    const lanes = Array.from({ length: concurrent }, async (_, lane) => {
      for (let n = lane; running; n += concurrent) await session(n);
    });

    const started = Date.now();
    const warmUpMs = Math.max(30_000, durationMs / 4);
    const samples: SoakSample[] = [];
    print(`soak: ${options.minutes} min, ${concurrent} clients at a time over ${documentCount} documents`);
    while (Date.now() - started < durationMs) {
      await sleep(5_000);
      const s = await sample();
      if (s.at - started >= warmUpMs) samples.push(s);
      print(
        `soak: t+${Math.round((s.at - started) / 1000)}s rss ${(s.rss / 2 ** 20).toFixed(1)} MiB, heap ${(s.heap / 2 ** 20).toFixed(1)} MiB, ` +
          `fds ${s.fds}, documents ${s.documents}, postgres connections ${s.postgresConnections}, sessions ${report.sessions}`,
      );
    }
    running = false;
    await Promise.all(lanes);

    // Compare the first and last half minute after warm-up. RSS is smooth, so its mean;
    // the heap saws up and down with each collection, so its floor (what survived GC).
    const window = Math.max(1, Math.min(6, Math.floor(samples.length / 3)));
    const head = samples.slice(0, window);
    const tail = samples.slice(-window);
    report.first = head[0];
    report.last = tail[tail.length - 1];
    report.rssGrowth = mean(tail, 'rss') / mean(head, 'rss') - 1;
    const floor = (list: SoakSample[]) => Math.min(...list.map((s) => s.heap));
    report.heapGrowth = floor(tail) / floor(head) - 1;
    if (samples.length < 2) report.failures.push('too short to compare: run for at least 2 minutes');
    if (report.rssGrowth >= 0.1) report.failures.push(`RSS grew ${(report.rssGrowth * 100).toFixed(1)} %`);
    if (report.heapGrowth >= 0.1) report.failures.push(`heap grew ${(report.heapGrowth * 100).toFixed(1)} %`);
    const fdsGrowth = Math.max(...tail.map((s) => s.fds)) - Math.max(...head.map((s) => s.fds));
    if (fdsGrowth > 10) report.failures.push(`open file descriptors grew by ${fdsGrowth}`);
    const pgGrowth =
      Math.max(...tail.map((s) => s.postgresConnections)) -
      Math.max(...head.map((s) => s.postgresConnections));
    if (pgGrowth > 2) report.failures.push(`Postgres connections grew by ${pgGrowth}`);

    // Idle: every client has gone, so every document unloads (after its final store).
    const idleDeadline = Date.now() + 60_000;
    for (;;) {
      report.documentsAfterIdle = (await sample()).documents;
      if (report.documentsAfterIdle === 0 || Date.now() > idleDeadline) break;
      await sleep(1_000);
    }
    if (report.documentsAfterIdle !== 0) {
      report.failures.push(
        `${report.documentsAfterIdle} documents still loaded a minute after the last client left`,
      );
    }
  } catch (error) {
    report.failures.push(`the run failed: ${(error as Error).stack ?? error}`);
  } finally {
    running = false;
    for (const client of live) client.destroy();
    instance.kill('SIGKILL');
    await instance.exited;
    await direct.close();
    await redis.stop();
    await postgres.stop();
  }
  print(
    `soak: ${report.sessions} sessions, ${report.operations} edits; after warm-up RSS ${(report.rssGrowth * 100).toFixed(1)} %, ` +
      `heap ${(report.heapGrowth * 100).toFixed(1)} %, fds ${report.first?.fds}→${report.last?.fds}, ` +
      `Postgres connections ${report.first?.postgresConnections}→${report.last?.postgresConnections}, ` +
      `documents loaded after idle ${report.documentsAfterIdle}: ` +
      (report.failures.length === 0 ? 'PASSED' : `FAILED:\n  ${report.failures.join('\n  ')}`),
  );
  return report;
}
