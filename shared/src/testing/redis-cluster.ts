import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A private Redis Cluster for tests: three masters (no replicas) from Debian's
 * `redis-server`, on free loopback ports, joined with `redis-cli --cluster create`. Its
 * own directory under the system temp dir, removed on stop; the machine's shared Redis is
 * never touched.
 */
export interface PrivateRedisCluster {
  /** `host:port,host:port,host:port`: what REDIS_CLUSTER_NODES takes. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Whether Debian's redis-server and redis-cli are installed (`.ci/run` installs them). */
export function redisClusterAvailable(): boolean {
  return ['redis-server', 'redis-cli'].every(
    (command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0,
  );
}

/** Free loopback ports, all held at once while choosing so that none repeats. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

export async function startRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'folio-redis-cluster-'));
  // A client port and a cluster-bus port per node (the bus defaults to port + 10000,
  // which may be taken; `cluster-port` names a free one).
  const ports = await freePorts(masters * 2);
  const children: ChildProcess[] = [];
  const reap = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  const stop = async () => {
    process.off('exit', reap);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const clientPorts = ports.slice(0, masters);
  try {
    clientPorts.forEach((port, i) => {
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
          ...['--cluster-port', String(ports[masters + i]), '--cluster-node-timeout', '5000'],
          ...['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    });
    for (const port of clientPorts) await waitFor(() => ping(port), `redis node ${port} did not start`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...clientPorts.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // Every node must agree that all slots are served before clients connect.
    for (const port of clientPorts) {
      await waitFor(async () => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      }, `redis cluster node ${port} did not reach cluster_state:ok`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: clientPorts.map((p) => `127.0.0.1:${p}`).join(','), ports: clientPorts, stop };
}

async function ping(port: number): Promise<boolean> {
  try {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
    return stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, message: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
