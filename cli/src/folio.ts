#!/usr/bin/env node
/**
 * The admin CLI (`pnpm folio <command>`). Talks to the database directly; the API need
 * not run. With the embedded database held by a running `pnpm start`, the command runs
 * inside that process over its admin socket. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { join } from 'node:path';
import { createCollabBus } from '@folio/shared';
import { commonEnv, parseConfig } from '@folio/shared/config';
import { LockedError, openDatabase } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { createRedis } from '@folio/shared/redis';
import { z } from 'zod';
import { executeAdminCommand, parseAdminCommand, UsageError, usage } from './admin-commands.js';
import { runRemote } from './admin-socket.js';
import { describeFailure } from './errors.js';

async function main(argv: string[]): Promise<number> {
  const command = parseAdminCommand(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = parseConfig(z.object(commonEnv), process.env);
  const log = createLogger({
    level: process.env.LOG_LEVEL ?? 'warn',
    name: 'folio-cli',
    destination: process.stderr,
  });
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({
      url: config.DATABASE_URL,
      caFile: config.DATABASE_CA_FILE,
      poolSize: 2,
      dataDir: config.DATA_DIR,
      log,
    });
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    const remote = await runRemote(join(config.DATA_DIR, 'admin.sock'), argv);
    if (!remote) throw error;
    process.stdout.write(remote.stdout);
    if (remote.stderr) process.stderr.write(remote.code === 0 ? remote.stderr : `folio: ${remote.stderr}\n`);
    if (remote.code === 2) process.stderr.write(`${usage}\n`);
    return remote.code;
  }
  // Erasure tells running collaboration servers (through Redis) to close the user's
  // sockets, and sweeps Redis; other commands need no Redis connection.
  const redis =
    command.kind === 'gdpr erase'
      ? createRedis({
          url: config.REDIS_URL,
          sentinels: config.REDIS_SENTINELS,
          sentinelMaster: config.REDIS_SENTINEL_MASTER,
          caFile: config.REDIS_CA_FILE,
          log,
          name: 'folio-cli',
        })
      : undefined;
  const bus = redis ? createCollabBus({ redis, prefix: config.REDIS_KEY_PREFIX, log }) : undefined;
  try {
    const output = await executeAdminCommand(database.db, command, {
      bus,
      redis,
      redisPrefix: config.REDIS_KEY_PREFIX,
      log,
    });
    process.stderr.write(output.stderr);
    process.stdout.write(output.stdout);
    return 0;
  } finally {
    await bus?.close();
    redis?.disconnect();
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`folio: ${describeFailure(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${usage}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
