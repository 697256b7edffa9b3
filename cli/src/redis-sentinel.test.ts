/**
 * The Redis + Sentinel start scripts of infra/k8s/base/redis.yaml, run for real on
 * loopback ports (three Redis servers, three sentinels: the StatefulSet's shape), with
 * Folio's own Sentinel client (`createRedis` with REDIS_SENTINELS / REDIS_SENTINEL_MASTER):
 * the seed becomes the master, the others replicas; killing the master fails over and
 * Folio's client follows; the old master, restarted by the same script, rejoins as a
 * replica instead of a second master. Skipped where redis-server is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import { afterAll, expect, it, vi } from 'vitest';
import { parseYaml, readRepoFile } from './delivery-files.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'folio-sentinel-'));
const processes = new Set<ChildProcess>();
let client: Redis | undefined;
afterAll(() => {
  client?.disconnect();
  for (const child of processes) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {} // the group is gone already
  }
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `redis-cli` against a local port, its output trimmed. */
const cli = (port: number, ...args: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 }).stdout.trim();

it.runIf(hasRedis)(
  'elects the seed, fails over when the master dies, and brings the old master back as a replica',
  async () => {
    const scripts = parseYaml(readRepoFile('infra/k8s/base/redis.yaml'))[0].data as Record<string, string>;
    const scriptDir = join(dir, 'scripts');
    mkdirSync(scriptDir);
    for (const [file, text] of Object.entries(scripts)) writeFileSync(join(scriptDir, file), text);
    const redisPorts = [await freePort(), await freePort(), await freePort()];
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const env = (i: number) => ({
      PATH: process.env.PATH ?? '',
      SELF_HOST: '127.0.0.1',
      REDIS_PORT: String(redisPorts[i]),
      SENTINEL_PORT: String(sentinelPorts[i]),
      SENTINEL_PEERS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(' '),
      SEED_MASTER: `127.0.0.1 ${redisPorts[0]}`,
      MASTER_NAME: 'folio-test',
      DOWN_AFTER_MS: '1000',
      SENTINEL_DIR: join(dir, `sentinel-${i}`),
    });
    const start = (script: string, i: number) => {
      mkdirSync(join(dir, `sentinel-${i}`), { recursive: true });
      // its own process group, so that killing it kills the redis-server it execs
      const child = spawn('sh', [join(scriptDir, script)], {
        env: env(i),
        cwd: dir,
        detached: true,
        stdio: 'ignore',
      });
      processes.add(child);
      return child;
    };
    const servers = [0, 1, 2].map((i) => start('redis.sh', i));
    for (const i of [0, 1, 2]) start('sentinel.sh', i);
    const role = (port: number) => /^role:(\w+)/m.exec(cli(port, 'info', 'replication'))?.[1];
    await vi.waitFor(
      () => {
        expect(redisPorts.map(role)).toEqual(['master', 'slave', 'slave']);
        for (const port of redisPorts.slice(1)) {
          expect(cli(port, 'info', 'replication')).toMatch(/^master_link_status:up/m);
        }
        for (const port of sentinelPorts) {
          expect(cli(port, 'sentinel', 'get-master-addr-by-name', 'folio-test').split('\n')).toEqual([
            '127.0.0.1',
            String(redisPorts[0]),
          ]);
        }
      },
      { timeout: 40_000, interval: 200 },
    );

    // Folio's client, configured as the ConfigMap configures it
    client = createRedis({
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      sentinelMaster: 'folio-test',
      log: createLogger({ level: 'silent', name: 'sentinel-test' }),
      name: 'sentinel-test',
    });
    await client?.set('folio-test:before', '1');
    // replication is asynchronous: let both replicas have it before the master dies (WAIT's
    // own timeout stays under the client's 5 s command timeout)
    await vi.waitFor(async () => expect(await client?.wait(2, 2_000)).toBe(2), { timeout: 40_000 });

    process.kill(-(servers[0]?.pid as number), 'SIGKILL');
    const promoted = await vi.waitFor(
      () => {
        const [host, port] = cli(
          sentinelPorts[1] as number,
          'sentinel',
          'get-master-addr-by-name',
          'folio-test',
        ).split('\n');
        expect(host).toBe('127.0.0.1');
        expect([String(redisPorts[1]), String(redisPorts[2])]).toContain(port);
        return Number(port);
      },
      // A failover takes a few seconds idle; on a loaded 2-core machine (the whole suite
      // running) elections have been seen to take far longer.
      { timeout: 60_000, interval: 200 },
    );
    await vi.waitFor(async () => expect(await client?.set('folio-test:after', '2')).toBe('OK'), {
      timeout: 40_000,
      interval: 200,
    });
    expect(cli(promoted, 'get', 'folio-test:before')).toBe('1');

    // the old master restarts with the same script: it asks the sentinels, not its seed role
    start('redis.sh', 0);
    await vi.waitFor(
      () => {
        const info = cli(redisPorts[0] as number, 'info', 'replication');
        expect(/^role:(\w+)/m.exec(info)?.[1]).toBe('slave');
        expect(/^master_port:(\d+)/m.exec(info)?.[1]).toBe(String(promoted));
      },
      { timeout: 40_000, interval: 200 },
    );
  },
  220_000,
);
