import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Private Postgres and Redis servers for fault tests: their own data directory and
 * free ports on loopback, so a test may kill, freeze and restart them. The shared
 * services of the machine are never touched.
 */

/**
 * A free TCP port on 127.0.0.1 below Linux's ephemeral range (32768–60999): the chaos
 * run restarts servers on the same port, and a port from the ephemeral range could be
 * taken meanwhile as the local end of some outgoing connection.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no free port below the ephemeral range');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A supervised child: its exits are recorded, expected or not. */
export interface ServiceProcess {
  readonly name: string;
  /** Exits that no one asked for (the name and how). */
  readonly unexpectedExits: string[];
}

abstract class Supervised implements ServiceProcess {
  protected child: ChildProcess | undefined;
  private expectExit = false;
  readonly unexpectedExits: string[] = [];
  private output = '';

  constructor(readonly name: string) {}

  protected launch(command: string, args: string[]): void {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.expectExit = false;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Never outlive the test process, whatever ends it.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', (code, signal) => {
      process.off('exit', reap);
      if (!this.expectExit) this.unexpectedExits.push(`${this.name} exited (${code ?? signal})`);
    });
    this.child = child;
  }

  /** The last output of the process, for error messages. */
  tail(): string {
    return this.output;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Sends a signal; an exit it causes is expected. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGSTOP / SIGCONT. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}

/** The newest installed Postgres server binaries (Debian's layout), or those on PATH. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no Postgres server binaries found (apt-get install postgresql)');
  }
}

export class PrivatePostgres extends Supervised {
  readonly url: string;
  private readonly runAs: string[];

  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
  ) {
    super('postgres');
    this.url = `postgres://postgres@127.0.0.1:${port}/folio`;
    // Postgres refuses to run as root; drop to the postgres user (setpriv execs, so the
    // child is the postmaster itself and signals reach it).
    this.runAs =
      process.getuid?.() === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'] : [];
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'folio-chaos-pg-'));
    const server = new PrivatePostgres(bin, dataDir, await freePort());
    if (server.runAs.length > 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dataDir, uid, gid);
    }
    const [command, ...prefix] = [...server.runAs, join(bin, 'initdb')];
    execFileSync(
      command as string,
      [...prefix, '-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { stdio: 'ignore' },
    );
    await server.restart();
    await server.query('create database folio', 'postgres');
    return server;
  }

  /**
   * A streaming replica of `primary`: `pg_basebackup -R` (standby.signal and
   * primary_conninfo written for us) into a directory of its own, started on another
   * free port. Hot standby: it answers reads, and `pg_wal_replay_pause()` on it makes lag
   * on demand.
   */
  static async replicaOf(
    primary: PrivatePostgres,
    /** Where the primary is reached (a proxy that adds latency); its own port by default. */
    via: number = primary.port,
  ): Promise<PrivatePostgres> {
    const dataDir = mkdtempSync(join(tmpdir(), 'folio-replica-pg-'));
    const server = new PrivatePostgres(primary.bin, dataDir, await freePort());
    if (server.runAs.length > 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dataDir, uid, gid);
    }
    const [command, ...prefix] = [...server.runAs, join(primary.bin, 'pg_basebackup')];
    // Asynchronous: the primary may be reached through a proxy in this very process.
    await promisify(execFile)(command as string, [
      ...prefix,
      ...['-h', '127.0.0.1', '-p', String(via), '-U', 'postgres'],
      ...['-D', dataDir, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast'],
    ]);
    await server.restart();
    return server;
  }

  /** Starts the postmaster (after a stop or a crash) and waits until it answers. */
  async restart(): Promise<void> {
    await this.kill('SIGQUIT');
    const [command, ...prefix] = [...this.runAs, join(this.bin, 'postgres')];
    this.launch(command as string, [
      ...prefix,
      ...['-D', this.dataDir, '-p', String(this.port), '-k', this.dataDir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      // Crash safety against the process dying is kept (the WAL is written); only the
      // flush to disk goes, which matters for a machine crash, not for this test.
      ...['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB'],
    ]);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await this.query('select 1', 'postgres');
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`private Postgres did not start: ${error}\n${this.tail()}`);
        await sleep(100);
      }
    }
  }

  /** Ends every backend serving the folio database (pg_terminate_backend). */
  async terminateBackends(): Promise<number> {
    const rows = await this.query(
      "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = 'folio' and pid <> pg_backend_pid()",
      'postgres',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async query(sql: string, database = 'folio'): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.port}/${database}`,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.kill('SIGQUIT');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export class PrivateRedis extends Supervised {
  readonly url: string;

  private constructor(readonly port: number) {
    super('redis');
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.restart();
    return server;
  }

  /** (Re)starts the server on its port, empty, and waits until it answers. */
  async restart(): Promise<void> {
    this.thaw();
    await this.kill('SIGKILL');
    const command = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
    this.launch(command, [
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--protected-mode', 'no', '--loglevel', 'warning'],
    ]);
    const deadline = Date.now() + 15_000;
    while (!(await this.ping())) {
      if (Date.now() > deadline) throw new Error(`private Redis did not start:\n${this.tail()}`);
      await sleep(50);
    }
  }

  /** Whether the server answers PING within a second. */
  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection(this.port, '127.0.0.1');
      const timer = setTimeout(() => finish(false), 1_000);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      socket.on('error', () => finish(false));
      socket.on('data', (data: Buffer) => finish(data.toString().startsWith('+PONG')));
      socket.on('connect', () => socket.write('PING\r\n'));
    });
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.kill('SIGKILL');
  }
}
