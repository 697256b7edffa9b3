import { signConnectToken } from '@folio/shared';
import { documentStateLoader, sessionStarter } from '@folio/shared/commands';
import { openKeyring } from '@folio/shared/crypto';
import { type DatabaseHandle, openDatabase } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import {
  buildDocument,
  buildUser,
  grantDocumentRole,
  startTcpProxy,
  type TcpProxy,
} from '@folio/shared/testing';
import { type CollabProcess, hocuspocusClient, runKeyFile, SECRET_KEY, spawnCollab } from '../harness.js';
import { ChaosClient } from './clients.js';
import { buildSchedule, describeFault, type Fault, seededRandom } from './schedule.js';
import { freePort, PrivatePostgres, PrivateRedis } from './services.js';

/**
 * The chaos run: three collaboration instances (real processes) on a private Postgres
 * and a private Redis, both reached through TCP proxies that can delay and reset;
 * clients of both protocols append unique operations to a few documents while a seeded
 * schedule kills and restarts instances, restarts and freezes Redis, restarts Postgres
 * and terminates its backends, adds latency and resets connections, and moves clients
 * between instances. Then everything is healed and the run checks, from Postgres alone
 * (a fresh instance without Redis, and the stored log read directly):
 * - every acknowledged operation is there exactly once (none lost, none doubled);
 * - every client has converged to that text, with all its operations acknowledged;
 * - no process died that the schedule did not kill.
 */

export interface ChaosOptions {
  /** Length of the fault phase. */
  seconds: number;
  seed: number;
  instances?: number;
  documents?: number;
  clientsPerDocument?: number;
  /** Mean milliseconds between one client's operations (default 90). */
  typingMs?: number;
  /** Progress lines (the seed and schedule first). */
  print?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  seconds: number;
  operations: number;
  acknowledged: number;
  faults: Record<string, number>;
  /** Acknowledged operations missing from storage. */
  lost: string[];
  /** Operations stored more than once. */
  duplicated: string[];
  /** Clients whose text differs from storage, or with operations never acknowledged. */
  diverged: string[];
  unexpectedDeaths: string[];
  /** Everything that went wrong, in words; empty when the run passed. */
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or the deadline passes; whether it did. */
async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

interface Instance {
  index: number;
  port: number;
  process: CollabProcess | undefined;
  url: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const instanceCount = options.instances ?? 3;
  const documentCount = options.documents ?? 2;
  const perDocument = options.clientsPerDocument ?? 4;
  const durationMs = options.seconds * 1000;
  const schedule = buildSchedule({
    seed: options.seed,
    durationMs,
    instances: instanceCount,
    clients: documentCount * perDocument,
  });
  print(
    `chaos: seed ${options.seed}, ${options.seconds} s, ${schedule.length} faults (rerun: --seed ${options.seed})`,
  );
  for (const fault of schedule) print(`chaos:   ${describeFault(fault)}`);

  const report: ChaosReport = {
    seed: options.seed,
    seconds: options.seconds,
    operations: 0,
    acknowledged: 0,
    faults: {},
    lost: [],
    duplicated: [],
    diverged: [],
    unexpectedDeaths: [],
    failures: [],
  };
  const log = createLogger({ level: 'silent', name: 'chaos' });
  const cleanups: (() => Promise<void> | void)[] = [];
  const expectedExits = new WeakSet<CollabProcess>();
  const clients: ChaosClient[] = [];
  let typing = false;
  const typingTimers = new Set<NodeJS.Timeout>();

  try {
    const postgres = await PrivatePostgres.start();
    cleanups.push(() => postgres.stop());
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    const pgProxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: postgres.port });
    const redisProxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    cleanups.push(
      () => pgProxy.close(),
      () => redisProxy.close(),
    );

    const instanceEnv = (port: number) => ({
      COLLAB_PORT: String(port),
      DATABASE_URL: pgProxy.url(postgres.url),
      REDIS_URL: redisProxy.url(redis.url),
      REDIS_KEY_PREFIX: 'chaos:',
      ANTI_ENTROPY_MS: '300',
      DATABASE_POOL_SIZE: '5',
    });
    const processes: CollabProcess[] = [];
    const start = async (instance: Instance) => {
      // A restart may race the old socket's release or a slow machine: a few tries.
      for (let attempt = 1; ; attempt++) {
        try {
          const p = await spawnCollab(instanceEnv(instance.port));
          processes.push(p);
          p.exited.then(({ code, signal }) => {
            if (!expectedExits.has(p)) {
              report.unexpectedDeaths.push(
                `instance ${instance.index} exited (${code ?? signal}): ${p.stderr()}`,
              );
            }
          });
          instance.process = p;
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          await sleep(500);
        }
      }
    };
    cleanups.push(async () => {
      for (const p of processes) {
        expectedExits.add(p);
        p.kill('SIGKILL');
      }
      await Promise.all(processes.map((p) => p.exited));
    });
    const instances: Instance[] = [];
    for (let index = 0; index < instanceCount; index++) {
      const port = await freePort();
      instances.push({ index, port, process: undefined, url: `ws://127.0.0.1:${port}` });
    }
    // The first one migrates the empty database; the others find it migrated.
    await start(instances[0] as Instance);
    await Promise.all(instances.slice(1).map(start));

    const direct: DatabaseHandle = await openDatabase({
      url: postgres.url,
      // The key file the spawned servers use.
      keyring: await openKeyring({ DATA_DIR: '.', KEY_FILE: runKeyFile(), ENCRYPTION: true }),
      dataDir: '.',
      log,
      poolSize: 2,
    });
    cleanups.push(() => direct.close());
    const owner = await buildUser(direct.db, { name: 'Chaos Owner' });
    const editor = await buildUser(direct.db, { name: 'Chaos Editor' });
    const sessions = new Map<string, string>();
    for (const user of [owner, editor]) {
      sessions.set(user.id, (await sessionStarter(direct.db, { userId: user.id })).sessionId);
    }
    const ttlSeconds = Math.min(24 * 3600, options.seconds + 3_600);
    const token = (userId: string, documentId: string) =>
      signConnectToken(
        { userId, documentId, role: 'editor', credentialId: sessions.get(userId) as string, ttlSeconds },
        SECRET_KEY,
      ).token;
    const documents: string[] = [];
    for (let d = 0; d < documentCount; d++) {
      const document = await buildDocument(direct.db, owner);
      await grantDocumentRole(direct.db, document.id, editor.id, 'editor');
      documents.push(document.id);
    }
    for (let d = 0; d < documentCount; d++) {
      for (let k = 0; k < perDocument; k++) {
        const user = k % 2 === 0 ? owner : editor;
        const protocol = k % 2 === 0 ? 'hocuspocus' : 'y-websocket';
        const instance = instances[(d + k) % instanceCount] as Instance;
        const documentId = documents[d] as string;
        clients.push(
          new ChaosClient(
            `c${clients.length}`,
            protocol,
            instance.url,
            documentId,
            token(user.id, documentId),
          ),
        );
      }
    }
    if (!(await waitUntil(() => clients.every((c) => c.synced), 60_000))) {
      report.failures.push('clients did not sync before the faults started');
      return report;
    }

    // Typing: each client at its own seeded pace, between 2/9 and 16/9 of typingMs apart.
    typing = true;
    clients.forEach((client, i) => {
      const random = seededRandom(options.seed * 1_000 + i + 1);
      const next = () => {
        if (!typing) return;
        const timer = setTimeout(
          () => {
            typingTimers.delete(timer);
            if (!typing) return;
            client.append();
            next();
          },
          Math.round(((options.typingMs ?? 90) * (2 + random() * 14)) / 9),
        );
        typingTimers.add(timer);
      };
      next();
    });

    const checkAcknowledgedStored = async (when: string) => {
      const acked = clients.flatMap((c) => c.ops.filter((op) => op.acked).map((op) => ({ c, op })));
      const texts = new Map<string, string>();
      for (const documentId of documents) {
        const stored = await documentStateLoader(direct.db, documentId);
        texts.set(documentId, stored.doc.getText('t').toString());
        stored.doc.destroy();
      }
      const missing = acked.filter(({ c, op }) => !texts.get(c.documentId)?.includes(op.token));
      if (missing.length > 0) {
        report.lost.push(...missing.map(({ op }) => op.token));
        report.failures.push(
          `${when}: ${missing.length} acknowledged operations not in Postgres (${missing
            .slice(0, 5)
            .map(({ op }) => op.token)
            .join(' ')} …)`,
        );
      }
    };
    const started = Date.now();
    const inject = async (fault: Fault) => {
      switch (fault.kind) {
        case 'kill-instance': {
          const instance = instances[fault.target as number] as Instance;
          const p = instance.process;
          if (p) {
            expectedExits.add(p);
            p.kill('SIGKILL');
            await p.exited;
          }
          // While it is down, nothing it acknowledged can be resent by its clients (they
          // cannot reach it): everything acknowledged so far must be in Postgres now.
          const downSince = Date.now();
          await checkAcknowledgedStored(`after SIGKILL of instance ${instance.index}`);
          await sleep(Math.max(0, (fault.durationMs ?? 0) - (Date.now() - downSince)));
          await start(instance);
          break;
        }
        case 'restart-redis':
          await redis.kill('SIGKILL');
          await sleep(fault.durationMs ?? 0);
          await redis.restart();
          break;
        case 'freeze-redis':
          redis.freeze();
          await sleep(fault.durationMs ?? 0);
          redis.thaw();
          break;
        case 'terminate-backends':
          await postgres.terminateBackends();
          break;
        case 'restart-postgres':
          // Immediate shutdown (a crash as far as the clients can tell), then recovery.
          await postgres.kill('SIGQUIT');
          await sleep(fault.durationMs ?? 0);
          await postgres.restart();
          break;
        case 'postgres-latency':
        case 'redis-latency': {
          const proxy = fault.kind === 'postgres-latency' ? pgProxy : redisProxy;
          proxy.setLatency(fault.latencyMs ?? 0);
          await sleep(fault.durationMs ?? 0);
          proxy.setLatency(0);
          break;
        }
        case 'reset-postgres-connections':
          pgProxy.resetAll();
          break;
        case 'reset-redis-connections':
          redisProxy.resetAll();
          break;
        case 'move-client': {
          const client = clients[fault.target as number] as ChaosClient;
          client.moveTo((instances[fault.to as number] as Instance).url);
          break;
        }
      }
    };
    for (const fault of schedule) {
      const wait = started + fault.at - Date.now();
      if (wait > 0) await sleep(wait);
      print(`chaos: ${describeFault(fault)}`);
      await inject(fault);
      report.faults[fault.kind] = (report.faults[fault.kind] ?? 0) + 1;
    }
    const rest = started + durationMs - Date.now();
    if (rest > 0) await sleep(rest);
    typing = false;
    for (const timer of typingTimers) clearTimeout(timer);

    // Heal: everything up, no latency. Then every client must get every one of its
    // operations acknowledged and converge with the others of its document.
    redis.thaw();
    pgProxy.setLatency(0);
    redisProxy.setLatency(0);
    const settled = () =>
      clients.every((c) => c.synced && c.unacked === 0) &&
      documents.every(
        (id) => new Set(clients.filter((c) => c.documentId === id).map((c) => c.text)).size === 1,
      );
    print('chaos: faults over; waiting for every operation to be acknowledged and every client to converge');
    if (!(await waitUntil(settled, 90_000))) {
      for (const c of clients) {
        if (!c.synced || c.unacked > 0) {
          report.failures.push(
            `${c.name} (${c.protocol}): synced ${c.synced}, ${c.unacked} operations unacknowledged`,
          );
        }
      }
      if (report.failures.length === 0) report.failures.push('clients did not converge');
    }

    // From Postgres alone: a fresh instance without Redis, and the log read directly.
    const freshPort = await freePort();
    const { REDIS_URL: _, ...withoutRedis } = instanceEnv(freshPort);
    const fresh = await spawnCollab({ ...withoutRedis, DATABASE_URL: postgres.url });
    processes.push(fresh);
    for (const documentId of documents) {
      const { doc, provider: reader } = hocuspocusClient(fresh.url, documentId, token(owner.id, documentId));
      const synced = await waitUntil(() => reader.isSynced, 30_000);
      const served = doc.getText('t').toString();
      reader.destroy();
      if (!synced) {
        report.failures.push(`the fresh instance did not serve document ${documentId}`);
        continue;
      }
      const stored = await documentStateLoader(direct.db, documentId);
      const storedText = stored.doc.getText('t').toString();
      stored.doc.destroy();
      if (storedText !== served)
        report.failures.push(`the fresh instance serves ${documentId} unlike its log`);
      const counts = new Map<string, number>();
      for (const match of storedText.matchAll(/<c\d+\.\d+>/g)) {
        counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
      }
      if (storedText.replaceAll(/<c\d+\.\d+>/g, '') !== '') {
        report.failures.push(`document ${documentId} holds text no client wrote`);
      }
      for (const client of clients.filter((c) => c.documentId === documentId)) {
        for (const op of client.ops) {
          report.operations++;
          if (op.acked) report.acknowledged++;
          const n = counts.get(op.token) ?? 0;
          if (n > 1) report.duplicated.push(op.token);
          if (op.acked && n === 0) report.lost.push(op.token);
        }
        if (client.text !== storedText) report.diverged.push(`${client.name}: text differs from storage`);
      }
    }
    report.unexpectedDeaths.push(...postgres.unexpectedExits, ...redis.unexpectedExits);
  } catch (error) {
    report.failures.push(`the run failed: ${(error as Error).stack ?? error}`);
  } finally {
    typing = false;
    for (const timer of typingTimers) clearTimeout(timer);
    for (const c of clients) c.destroy();
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        report.failures.push(`clean-up failed: ${error}`);
      }
    }
  }
  report.lost = [...new Set(report.lost)];
  if (report.lost.length > 0) report.failures.push(`${report.lost.length} acknowledged operations lost`);
  if (report.duplicated.length > 0)
    report.failures.push(`${report.duplicated.length} operations stored twice`);
  if (report.diverged.length > 0) report.failures.push(...report.diverged);
  if (report.unexpectedDeaths.length > 0) report.failures.push(...report.unexpectedDeaths);
  print(
    `chaos: seed ${report.seed}: ${report.operations} operations (${report.acknowledged} acknowledged), ` +
      `faults ${JSON.stringify(report.faults)}, lost ${report.lost.length}, duplicated ${report.duplicated.length}, ` +
      `${report.failures.length === 0 ? 'PASSED' : `FAILED:\n  ${report.failures.join('\n  ')}`}`,
  );
  return report;
}
