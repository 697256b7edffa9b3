import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy on loopback between a process and Postgres or Redis, for fault tests: it
 * can cut every connection (resets, then refuses new ones until restored), reset the
 * live connections once, and delay every chunk in both directions. Test support only.
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** `target` with its host replaced by the proxy's (for a postgres:// or redis:// URL). */
  url(target: string): string;
  /** Resets every connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  /** Resets every live connection; new ones are accepted. */
  resetAll(): void;
  /** Delays every chunk by this many milliseconds (0: none), order kept. */
  setLatency(ms: number): void;
  /**
   * New connections go to `next` (a virtual IP moved by a failover); live ones are reset
   * so that clients reconnect there.
   */
  retarget(next: { host: string; port: number }): void;
  /** Live proxied connections. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Bytes held in one direction's delay queue before its source is paused. */
const MAX_DELAYED_BYTES = 4 * 1024 * 1024;

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let latencyMs = 0;
  let current = target;

  /** Copies `from` to `to`, each chunk `latencyMs` late, in order, with backpressure. */
  const pipeDelayed = (from: Socket, to: Socket) => {
    const queue: { at: number; chunk: Buffer }[] = [];
    let queued = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        queued -= chunk.byteLength;
        if (!to.destroyed) to.write(chunk);
      }
      if (queued < MAX_DELAYED_BYTES && from.isPaused()) from.resume();
      if (queue.length > 0) timer = setTimeout(flush, (queue[0] as { at: number }).at - now);
    };
    from.on('data', (chunk: Buffer) => {
      if (latencyMs === 0 && queue.length === 0) {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        return;
      }
      queue.push({ at: Date.now() + latencyMs, chunk });
      queued += chunk.byteLength;
      if (queued >= MAX_DELAYED_BYTES) from.pause();
      timer ??= setTimeout(flush, latencyMs);
    });
    from.on('close', () => clearTimeout(timer));
  };

  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(current.port, current.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const s of pair) {
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const resetAll = () => {
    for (const pair of pairs) for (const s of pair) if (!s.destroyed) s.resetAndDestroy();
  };
  return {
    port,
    url(original) {
      const u = new URL(original);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    cut() {
      down = true;
      resetAll();
    },
    restore() {
      down = false;
    },
    resetAll,
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    retarget(next) {
      current = next;
      resetAll();
    },
    get connections() {
      return pairs.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}
