import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openDatabase } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { startTcpProxy, type TcpProxy } from '@folio/shared/testing';
import { PrivatePostgres, PrivateRedis } from '../chaos/services.js';
import { type CollabProcess, spawnCollab } from '../harness.js';

/**
 * Two "regions" on loopback. Region A holds the Postgres primary and Redis; region B a
 * streaming replica of the primary. Every link that crosses regions is a TCP proxy that
 * delays each chunk by `latencyMs` in each direction (round trip 2 × latencyMs): the
 * replication stream, region B's Redis connections, and region B's database endpoint.
 *
 * Each region's collaboration nodes reach Postgres through a "virtual IP" of their
 * region — a proxy that a failover points at the promoted replica, as DNS, a cloud
 * load balancer or CloudNativePG's `-rw` service would. (`tc netem` would be the
 * natural way to add latency between network namespaces, but this kernel has no netem
 * qdisc — `tc qdisc add … netem` answers "Specified qdisc kind is unknown" — so the
 * latency is added in user space.)
 */
export interface Topology {
  primary: PrivatePostgres;
  replica: PrivatePostgres;
  redis: PrivateRedis;
  /** The database endpoint of region A's and of region B's nodes. */
  vipA: TcpProxy;
  vipB: TcpProxy;
  nodesA: CollabProcess[];
  nodesB: CollabProcess[];
  /**
   * Region A's database is lost: every link to it is cut at one instant (so nothing is
   * acknowledged by it afterwards, as when a region drops off the network), then the
   * postmaster and its backends are killed.
   */
  losePrimary(): Promise<number>;
  /** Promotes the replica and moves both regions' database endpoints to it. */
  failOver(): Promise<void>;
  /** Stops and starts every node (SIGTERM: each stores its documents), same regions. */
  restartNodes(): Promise<void>;
  close(): Promise<void>;
}

export async function buildTopology(options: {
  latencyMs: number;
  synchronous: boolean;
  nodesPerRegion: number;
}): Promise<Topology> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  };
  try {
    const primary = await PrivatePostgres.start();
    cleanups.push(() => primary.stop());
    const replication = await startTcpProxy({ host: '127.0.0.1', port: primary.port });
    cleanups.push(() => replication.close());
    replication.setLatency(options.latencyMs);
    const replica = await PrivatePostgres.replicaOf(primary, replication.port);
    cleanups.push(() => replica.stop());
    if (options.synchronous) {
      // A commit returns once the standby has flushed its WAL: an acknowledged edit
      // survives the primary's loss, at the price of a cross-region round trip per commit.
      await primary.query("alter system set synchronous_standby_names = '*'", 'postgres');
      await primary.query('select pg_reload_conf()', 'postgres');
      await waitFor(async () => {
        const rows = await primary.query('select sync_state from pg_stat_replication', 'postgres');
        return rows.some((r) => r.sync_state === 'sync');
      }, 'the standby did not become synchronous');
    }
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    const redisB = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    redisB.setLatency(options.latencyMs);
    const vipA = await startTcpProxy({ host: '127.0.0.1', port: primary.port });
    const vipB = await startTcpProxy({ host: '127.0.0.1', port: primary.port });
    vipB.setLatency(options.latencyMs);
    for (const proxy of [redisB, vipA, vipB]) cleanups.push(() => proxy.close());

    const processes: CollabProcess[] = [];
    // Never outlive the simulation, whatever ends it.
    const reap = () => {
      for (const p of processes) p.kill('SIGKILL');
    };
    process.once('exit', reap);
    cleanups.push(async () => {
      process.off('exit', reap);
      for (const p of processes) p.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
    });
    const spawnNode = async (region: 'A' | 'B') => {
      const p = await spawnCollab({
        DATABASE_URL: (region === 'A' ? vipA : vipB).url(primary.url),
        REDIS_URL: region === 'A' ? redis.url : redisB.url(redis.url),
        REDIS_KEY_PREFIX: 'multiregion:',
        ANTI_ENTROPY_MS: '1000',
        DATABASE_POOL_SIZE: '5',
      });
      processes.push(p);
      return p;
    };
    const spawnRegions = async () => {
      // The first node migrates the empty database; the others find it migrated.
      const first = await spawnNode('A');
      const others = await Promise.all([
        ...Array.from({ length: options.nodesPerRegion - 1 }, () => spawnNode('A')),
        ...Array.from({ length: options.nodesPerRegion }, () => spawnNode('B')),
      ]);
      return {
        nodesA: [first, ...others.slice(0, options.nodesPerRegion - 1)],
        nodesB: others.slice(options.nodesPerRegion - 1),
      };
    };
    const topology: Topology = {
      primary,
      replica,
      redis,
      vipA,
      vipB,
      ...(await spawnRegions()),
      async losePrimary() {
        for (const link of [replication, vipA, vipB]) link.cut();
        const lostAt = Date.now();
        // Backends outlive a killed postmaster for a moment: kill them by pid too.
        const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(primary.pid)]);
        const backends = stdout
          .split('\n')
          .map(Number)
          .filter((pid) => pid > 0);
        await primary.kill('SIGKILL');
        for (const pid of backends) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
        return lostAt;
      },
      async failOver() {
        await replica.query('select pg_promote(true, 30)', 'postgres');
        const target = { host: '127.0.0.1', port: replica.port };
        // Region B now holds the primary: A's nodes cross the link, B's do not.
        vipA.setLatency(options.latencyMs);
        vipB.setLatency(0);
        for (const vip of [vipA, vipB]) {
          vip.restore();
          vip.retarget(target);
        }
      },
      async restartNodes() {
        const old = [...topology.nodesA, ...topology.nodesB];
        for (const p of old) p.kill('SIGTERM');
        await Promise.all(old.map((p) => p.exited));
        Object.assign(topology, await spawnRegions());
      },
      close,
    };
    return topology;
  } catch (error) {
    await close();
    throw error;
  }
}

/** A direct handle on a database of the topology (fixtures, reading stored state). */
export const openDirect = (url: string) =>
  openDatabase({
    url,
    dataDir: '.',
    poolSize: 2,
    log: createLogger({ level: 'silent', name: 'multiregion' }),
  });

export async function waitFor(check: () => Promise<boolean> | boolean, message: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
