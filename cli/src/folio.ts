#!/usr/bin/env node
/**
 * The admin CLI (`pnpm folio <command>`). Talks to the database directly; the API need
 * not run. With the embedded database held by a running `pnpm start`, the command runs
 * inside that process over its admin socket. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createCollabBus, FolioError } from '@folio/shared';
import { parseConfig, withPublicUrls } from '@folio/shared/config';
import { assertKeyFileMatches, openKeyring } from '@folio/shared/crypto';
import { type Db, LockedError, openDatabase, usersTableExists } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { createRedis, redisConnection } from '@folio/shared/redis';
import { executeAdminCommand, parseAdminCommand, UsageError, usage } from './admin-commands.js';
import { runRemote } from './admin-socket.js';
import { cliConfigSchema } from './config.js';
import { describeFailure } from './errors.js';

async function main(argv: string[]): Promise<number> {
  const command = parseAdminCommand(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (command.kind === 'gdpr erase' && !command.confirmed && process.stdin.isTTY) {
    if (!(await confirmErasure(command.email))) {
      process.stderr.write('folio: not erased\n');
      return 1;
    }
  }
  const config = parseConfig(cliConfigSchema, process.env);
  const log = createLogger({
    level: config.LOG_LEVEL,
    name: 'folio-cli',
    destination: process.stderr,
  });
  // Migrating needs no keys (and the migration Job mounts none).
  const keyring = command.kind === 'migrate' ? undefined : await openKeyring(config);
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({
      keyring,
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
    // The label (stderr) before the output (stdout), as when run in this process.
    if (remote.stderr) process.stderr.write(remote.code === 0 ? remote.stderr : `folio: ${remote.stderr}\n`);
    process.stdout.write(remote.code === 0 ? withOrigin(command.kind, remote.stdout, config) : remote.stdout);
    if (remote.code === 2) process.stderr.write(`${usage}\n`);
    return remote.code;
  }
  if (command.kind !== 'migrate') {
    try {
      await requireSchema(database.db, config);
      if (keyring) await assertKeyFileMatches(database.db, keyring);
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  // Erasure tells running collaboration servers (through Redis) to close the user's
  // sockets, and sweeps Redis; other commands need no Redis connection.
  const redis =
    command.kind === 'gdpr erase' || command.kind === 'gdpr replay-ledger'
      ? createRedis({ ...redisConnection(config), log, name: 'folio-cli' })
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
    process.stdout.write(withOrigin(command.kind, output.stdout, config));
    return 0;
  } finally {
    await bus?.close();
    redis?.disconnect();
    await database.close();
  }
}

/** A sign-in link is printed whole: PUBLIC_URL (or HOST and API_PORT) before its path. */
function withOrigin(kind: string, stdout: string, config: Parameters<typeof withPublicUrls>[0]): string {
  if (kind !== 'login-link') return stdout;
  return `${withPublicUrls(config).PUBLIC_URL.replace(/\/$/, '')}${stdout}`;
}

/**
 * A database without Folio's tables is almost always the wrong one (another DATA_DIR, a
 * DATABASE_URL left unset): say where we looked and how to point elsewhere, rather than
 * the first query's "relation users does not exist".
 */
async function requireSchema(db: Db, config: { DATABASE_URL?: string | undefined; DATA_DIR: string }) {
  if (await usersTableExists(db)) return;
  const where = config.DATABASE_URL
    ? `the Postgres database at ${describeDatabaseUrl(config.DATABASE_URL)} (DATABASE_URL)`
    : `the embedded database in ${resolve(config.DATA_DIR)} (DATA_DIR)`;
  throw new FolioError(
    'NOT_FOUND',
    `${where} has no Folio tables: point DATA_DIR (embedded) or DATABASE_URL (Postgres) at the database ` +
      '`pnpm start` uses, or create the tables there with `pnpm folio migrate`',
  );
}

/** host:port/database of a connection URL, without its credentials. */
function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}

/**
 * On a terminal, erasure waits for the operator to type the email again: it cannot be
 * undone. Scripts (no terminal) and `--yes` go ahead.
 */
async function confirmErasure(email: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Erase ${email}: their account, the documents only they own, their personal data everywhere. ` +
        'This cannot be undone. Type the email to confirm: ',
    );
    return answer.trim().toLowerCase() === email.toLowerCase();
  } finally {
    prompt.close();
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
