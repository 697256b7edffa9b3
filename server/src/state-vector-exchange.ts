import type { Redis as RedisExtension } from '@hocuspocus/extension-redis';
import { type Hocuspocus, OutgoingMessage } from '@hocuspocus/server';

/**
 * Periodic state-vector exchange between instances, in the Redis extension's own
 * protocol: for every loaded document, publish a SyncStep1 on its channel; each peer
 * that has the document answers with what we lack and asks for what it lacks. The log
 * follower already heals everything that went through Postgres (which is every update
 * of every client); this covers in-memory state that did not, so two instances never
 * stay apart, whatever the cause. It costs one diff per document, peer and period.
 */
export class StateVectorExchange {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { hocuspocus: Hocuspocus; redis: RedisExtension; prefix: string },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.exchange(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  exchange(): void {
    const { hocuspocus, redis, prefix } = this.deps;
    for (const [name, document] of hocuspocus.documents) {
      if (document.isLoading || document.isDestroyed) continue;
      const message = new OutgoingMessage(name)
        .createSyncMessage()
        .writeFirstSyncStepFor(document)
        .toUint8Array();
      redis.pub.publish(`${prefix}:${name}`, Buffer.concat([redis.messagePrefix, message])).catch(() => {});
    }
  }
}
