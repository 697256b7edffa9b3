import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PgBouncer (Debian's package) in transaction mode on a free loopback port, in
 * front of a Postgres server: every database of that server is reachable through it
 * (`* =` fallback), as the same user. Its own directory under the system temp dir; the
 * machine's Postgres configuration is never touched.
 */
export interface PrivatePgBouncer {
  port: number;
  /** `postgres://<user>@127.0.0.1:<port>`: a base for databaseUrl(). */
  url: string;
  /** PgBouncer's log so far (connections, errors). */
  log(): string;
  /** Transactions and queries served per database so far (admin console, SHOW STATS). */
  stats(): Promise<{ database: string; transactions: number; queries: number }[]>;
  stop(): Promise<void>;
}

const binary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

/** Whether Debian's pgbouncer is installed (`.ci/run` installs it). */
export const pgBouncerAvailable = () => binary !== undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPgBouncer(options: {
  /** The Postgres server behind it. */
  host: string;
  port: number;
  user: string;
  /** Server connections per database, and in all (the shared server has few to spare). */
  poolSize?: number;
  maxServerConnections?: number;
}): Promise<PrivatePgBouncer> {
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const dir = mkdtempSync(join(tmpdir(), 'folio-pgbouncer-'));
  const port = await freePort();
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${options.host} port=${options.port} user=${options.user}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Loopback only, trust as the Postgres behind it: any client name is accepted and
      // the server connection logs in as the configured user.
      'auth_type = any',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 5}`,
      `max_user_connections = ${options.maxServerConnections ?? 40}`,
      'max_client_conn = 2000',
      // node-postgres sends statement_timeout as a startup parameter, which a pooler
      // cannot keep per client: set it on the role instead (README, PgBouncer).
      'ignore_startup_parameters = extra_float_digits,statement_timeout,options',
      `logfile = ${logFile}`,
      // SHOW STATS on the admin console, for tests to see the traffic went through.
      `admin_users = ${options.user}`,
      'log_connections = 0',
      'log_disconnections = 0',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root.
  const runAs =
    process.getuid?.() === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'] : [];
  if (runAs.length > 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pgbouncer.ini'), uid, gid);
  }
  const [command, ...args] = [...runAs, binary, join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(command as string, args, { stdio: 'ignore' });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-8_000) : '');
  const stop = async () => {
    process.off('exit', reap);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`pgbouncer did not start: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stats = async () => {
    // The admin console speaks only the simple query protocol.
    const out = execFileSync(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        options.user,
        '-At',
        '-F',
        '\t',
        '-c',
        'show stats',
        'pgbouncer',
      ],
      { encoding: 'utf8' },
    );
    return out
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([database = '', transactions = '0', queries = '0']) => ({
        database,
        transactions: Number(transactions),
        queries: Number(queries),
      }));
  };
  return { port, url: `postgres://${options.user}@127.0.0.1:${port}`, log, stats, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
