import { expect, it } from 'vitest';
import { createCollabBus } from './collab-bus.js';
import { createLogger } from './logger.js';
import { createRedis } from './redis.js';

it('publishes best effort: with Redis unreachable it neither rejects nor holds the caller past its bound', async () => {
  const lines: string[] = [];
  const log = createLogger({
    level: 'warn',
    name: 'bus-test',
    destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream,
  });
  // Nothing listens on port 1.
  const redis = createRedis({ url: 'redis://127.0.0.1:1', log, name: 'bus-test' });
  const bus = createCollabBus({ redis, prefix: 'bus-test:', log });
  try {
    const started = performance.now();
    await expect(bus.publish({ type: 'revoke', userId: 'u1' })).resolves.toBeUndefined();
    const waited = performance.now() - started;
    // Refused connections fail the command after ioredis's retries (or the wait bound
    // ends it first): either way logged, never thrown.
    expect(waited).toBeLessThan(4_000);
    expect(lines.join('')).toMatch(/collab bus: (event not published|Redis has not taken the event yet)/);
  } finally {
    await bus.close();
    redis?.disconnect();
  }
});
