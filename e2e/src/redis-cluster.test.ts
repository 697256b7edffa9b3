/**
 * Folio on a Redis Cluster: a private 3-master cluster from Debian's redis-server, and the
 * existing tests of convergence across instances (e2e/src/collab.test.ts), revocation
 * across instances (e2e/src/revocation.test.ts) and anti-entropy
 * (server/src/persistence.test.ts), and erasure's Redis sweep
 * (shared/src/commands/user-eraser.test.ts) run again, unchanged, with
 * TEST_REDIS_CLUSTER_NODES pointing at it — so their spawned servers get
 * REDIS_CLUSTER_NODES and their own clients connect to the cluster.
 */
import { execFileSync } from 'node:child_process';
import { type PrivateRedisCluster, redisClusterAvailable, startRedisCluster } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNestedVitest } from './nested-vitest.js';

const files = [
  'e2e/src/collab.test.ts',
  'e2e/src/revocation.test.ts',
  'server/src/persistence.test.ts',
  // Erasure's sweep of Redis keys, which SCANs every master of a cluster.
  'shared/src/commands/user-eraser.test.ts',
];
const available = redisClusterAvailable();
if (!available)
  console.warn(
    'redis-cluster test skipped: redis-server/redis-cli not installed (apt-get install redis-server)',
  );

/** Calls of a command on one node since it started (INFO commandstats). */
function commandCalls(port: number, command: string): number {
  const info = execFileSync('redis-cli', ['-p', String(port), 'info', 'commandstats'], { encoding: 'utf8' });
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return Number(match?.[1] ?? 0);
}

describe.skipIf(!available)('on a 3-master Redis Cluster', () => {
  let cluster: PrivateRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(() => cluster?.stop());

  it('converges, revokes and heals through anti-entropy, with sharded pub/sub on the document shards', async () => {
    const run = await runNestedVitest(files, { TEST_REDIS_CLUSTER_NODES: cluster.nodes }, 400_000);
    console.log(
      `on the cluster: ${run.files} files, ${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped in ${(run.durationMs / 1000).toFixed(0)} s`,
    );
    expect(run.failures).toEqual([]);
    expect(run.files).toBe(files.length);
    expect(run.failed).toBe(0);
    expect(run.skipped).toBe(0);
    expect(run.passed).toBeGreaterThanOrEqual(20);
    // Documents' channels are spread over the shards, and nothing used classic PUBLISH
    // (which a cluster would broadcast to every node).
    const spublish = cluster.ports.map((port) => commandCalls(port, 'spublish'));
    console.log(`SPUBLISH calls per master: ${spublish.join(', ')}`);
    expect(spublish.filter((calls) => calls > 0).length).toBeGreaterThanOrEqual(2);
    expect(cluster.ports.map((port) => commandCalls(port, 'publish'))).toEqual([0, 0, 0]);
  }, 420_000);
});
