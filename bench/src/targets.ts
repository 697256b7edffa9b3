import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot, type ServerProcess, startProcess } from './processes.js';

export type TargetId = 'folio' | 'hocuspocus' | 'stock' | 'y-websocket';
export type Protocol = 'hocuspocus' | 'y-websocket';

/** What every server under test gets from the run. */
export interface RunEnvironment {
  databaseUrl: string;
  redisUrl: string;
  /** Unique per run, so several runs (or CI jobs) never share Redis keys. */
  redisPrefix: string;
  snapshotTable: string;
  secretKey: string;
  /** The run's key file (KEY_FILE), shared by every Folio process. */
  keyFile: string;
}

export interface StartOptions {
  instances: number;
  /** Store documents so that a restarted server can load them (cold load). */
  persistent?: boolean;
  /** Share updates between instances through Redis. */
  redis?: boolean;
  /** Added to a Folio server's environment (e.g. `ENCRYPTION: 'off'`). */
  serverEnv?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  /** Base URLs clients connect to, one per instance. */
  urls: string[];
  processes: ServerProcess[];
  /** Stops every instance and starts them again on the same storage: nothing left in memory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface Target {
  id: TargetId;
  label: string;
  protocol: Protocol;
  /** Why it cannot do cold load / cross-instance / durability, if it cannot. */
  noPersistence?: string;
  noCrossInstance?: string;
  start(env: RunEnvironment, options: StartOptions): Promise<RunningServer>;
}

const LISTEN_TIMEOUT_MS = 20_000;
const distDir = resolve(import.meta.dirname);

async function startAll(
  instances: number,
  launch: (index: number) => Promise<{ process: ServerProcess; url: string }>,
  cleanup?: () => Promise<void>,
): Promise<RunningServer> {
  let started: { process: ServerProcess; url: string }[] = [];
  const stopProcesses = async () => {
    await Promise.all(started.map((s) => s.process.stop()));
    started = [];
  };
  const launchAll = async () => {
    try {
      for (let i = 0; i < instances; i++) started.push(await launch(i));
    } catch (error) {
      await stopProcesses();
      await cleanup?.();
      throw error;
    }
    running.urls = started.map((s) => s.url);
    running.processes = started.map((s) => s.process);
  };
  const running: RunningServer = {
    urls: [],
    processes: [],
    restart: async () => {
      await stopProcesses();
      await launchAll();
    },
    stop: async () => {
      await stopProcesses();
      await cleanup?.();
    },
  };
  await launchAll();
  return running;
}

/** A free loopback port, for servers that cannot report the one they bound. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function hocuspocusBaseline(mode: 'plain' | 'stock'): Target['start'] {
  return (env, options) =>
    startAll(options.instances, async () => {
      const process = startProcess([join(distDir, 'servers/hocuspocus-server.js')], {
        BENCH_MODE: mode,
        PORT: '0',
        DATABASE_URL: env.databaseUrl,
        SNAPSHOT_TABLE: env.snapshotTable,
        REDIS_URL: options.redis ? env.redisUrl : '',
        REDIS_PREFIX: `${env.redisPrefix}hocuspocus`,
      });
      const match = await process.waitFor(/"listening":"([^"]+)"/, LISTEN_TIMEOUT_MS);
      return { process, url: match[1] as string };
    });
}

export const folioServerEntry = join(repoRoot, 'server/dist/main.js');

export const targets: Target[] = [
  {
    id: 'folio',
    label: 'Folio',
    protocol: 'hocuspocus',
    start: (env, options) => {
      if (!existsSync(folioServerEntry)) {
        return Promise.reject(new Error('server/dist/main.js is missing (run tsc -b)'));
      }
      return startAll(options.instances, async () => {
        const process = startProcess([folioServerEntry], {
          DATABASE_URL: env.databaseUrl,
          REDIS_URL: options.redis ? env.redisUrl : '',
          REDIS_KEY_PREFIX: `${env.redisPrefix}folio:`,
          SECRET_KEY: env.secretKey,
          KEY_FILE: env.keyFile,
          COLLAB_PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          ...options.serverEnv,
        });
        const match = await process.waitFor(
          /"url":"(https?:\/\/[^"]+)"[^\n]*collaboration server listening|collaboration server listening[^\n]*"url":"(https?:\/\/[^"]+)"/,
          LISTEN_TIMEOUT_MS,
        );
        const url = (match[1] ?? match[2] ?? '').replace(/^http/, 'ws');
        return { process, url };
      });
    },
  },
  {
    id: 'hocuspocus',
    label: 'Hocuspocus (plain)',
    protocol: 'hocuspocus',
    noPersistence: 'in memory only, nothing to load after a restart',
    noCrossInstance: 'no Redis: instances do not share documents',
    start: hocuspocusBaseline('plain'),
  },
  {
    id: 'stock',
    label: 'Hocuspocus + Redis + Database',
    protocol: 'hocuspocus',
    start: hocuspocusBaseline('stock'),
  },
  {
    id: 'y-websocket',
    label: '@y/websocket-server',
    protocol: 'y-websocket',
    noCrossInstance: 'the reference server has no multi-instance mode',
    start: async (_env, options) => {
      // Its bin reads HOST and PORT; with YPERSISTENCE it keeps every update in LevelDB.
      const bin = createRequire(import.meta.url).resolve('@y/websocket-server/package.json');
      const serverJs = join(bin, '..', 'src/server.js');
      const dirs: string[] = [];
      for (let i = 0; options.persistent && i < options.instances; i++) {
        dirs.push(await mkdtemp(join(tmpdir(), 'folio-bench-yleveldb-')));
      }
      return startAll(
        options.instances,
        async (index) => {
          const port = await freePort();
          const persistenceDir = dirs[index];
          const process = startProcess([serverJs], {
            HOST: '127.0.0.1',
            PORT: String(port),
            ...(persistenceDir ? { YPERSISTENCE: persistenceDir } : {}),
          });
          await process.waitFor(/running at/, LISTEN_TIMEOUT_MS);
          return { process, url: `ws://127.0.0.1:${port}` };
        },
        async () => {
          await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
        },
      );
    },
  },
];
