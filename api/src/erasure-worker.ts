import { erasureRequestRunner, type UserEraserDeps } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';

export interface ErasureWorker {
  /** Works through every claimable request now (coalesced: one drain at a time). */
  kick(): Promise<void>;
  /** A drain now — leftovers of a previous run — and then every `intervalMs`. */
  start(): void;
  /** Stops the timer and waits for the drain in progress. Idempotent. */
  stop(): Promise<void>;
}

/** Requests handled per drain before yielding to the timer, so a backlog cannot spin forever. */
const MAX_PER_DRAIN = 100;

/**
 * Carries out erasure requests inside the API process. A POST kicks it at once; the
 * timer picks up requests of instances that died and stale `running` ones. Several API
 * instances may run one each: claims use FOR UPDATE SKIP LOCKED.
 */
export function createErasureWorker(
  deps: UserEraserDeps & { db: Db; log: Logger; intervalMs?: number },
): ErasureWorker {
  const intervalMs = deps.intervalMs ?? 30_000;
  let draining: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const drain = async () => {
    do {
      again = false;
      for (let i = 0; i < MAX_PER_DRAIN && !stopped; i++) {
        const outcome = await erasureRequestRunner(deps.db, deps);
        if (!outcome) break;
        deps.log.info(
          { requestId: outcome.request.id, status: outcome.error ? 'failed' : 'done' },
          'erasure request processed',
        );
      }
    } while (again && !stopped);
  };

  const kick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (draining) {
      again = true;
      return draining;
    }
    draining = drain()
      .catch((error) => deps.log.error({ err: error }, 'erasure worker failed; retrying on the next tick'))
      .finally(() => {
        draining = undefined;
      });
    return draining;
  };

  return {
    kick,
    start() {
      if (timer || stopped) return;
      void kick();
      timer = setInterval(() => void kick(), intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await draining;
    },
  };
}
