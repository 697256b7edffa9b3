#!/usr/bin/env node
/**
 * The admin CLI (`pnpm folio <command>`). Talks to the database directly; the API need
 * not run. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { migrateToLatest } from '@folio/migrations';
import { emailSchema, instanceRoleSchema, nameSchema, scopeListSchema } from '@folio/shared';
import { apiTokenIssuer, userCreator } from '@folio/shared/commands';
import { commonEnv, parseConfig } from '@folio/shared/config';
import { findUserByEmail, openDatabase } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { z } from 'zod';
import { describeFailure } from './errors.js';

const usage = `usage: pnpm folio <command>
  migrate
  user create --email E [--name N] [--role member|admin|compliance]
  token create --email E [--scopes read,write,admin] [--name N]`;

class UsageError extends Error {}

function field<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'invalid';
    throw new UsageError(`--${flag}: ${value === undefined ? 'is required' : message}`);
  }
  return parsed.data;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      scopes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.join(' ');
  if (values.help || command === '') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!['migrate', 'user create', 'token create'].includes(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  // Validate the arguments before touching the database.
  const email = command === 'migrate' ? undefined : field(emailSchema, values.email, 'email');
  const config = parseConfig(z.object(commonEnv), process.env);
  const log = createLogger({
    level: process.env.LOG_LEVEL ?? 'warn',
    name: 'folio-cli',
    destination: process.stderr,
  });
  const database = await openDatabase({
    url: config.DATABASE_URL,
    caFile: config.DATABASE_CA_FILE,
    poolSize: 2,
    dataDir: config.DATA_DIR,
    log,
  });
  try {
    const { applied } = await migrateToLatest(database.db);
    if (command === 'migrate') {
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } else if (command === 'user create') {
      const user = await userCreator(database.db, {
        email: email as string,
        name: values.name === undefined ? '' : field(nameSchema, values.name, 'name'),
        role: values.role === undefined ? 'member' : field(instanceRoleSchema, values.role, 'role'),
        actorId: null,
      });
      process.stdout.write(
        `${JSON.stringify({ id: user.id, email: user.email, name: user.name, role: user.role })}\n`,
      );
    } else {
      const scopes = field(scopeListSchema, values.scopes ?? 'read,write', 'scopes');
      const user = await findUserByEmail(database.db, email as string);
      if (!user || user.erased_at) throw new Error(`no user with email ${email}`);
      const { token, record } = await apiTokenIssuer(database.db, {
        userId: user.id,
        scopes,
        name: values.name ?? 'cli',
        actorId: null,
      });
      process.stderr.write(
        `token ${record.id} for ${user.email} with scopes ${scopes.join(',')} (shown once):\n`,
      );
      process.stdout.write(`${token}\n`);
    }
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    const isUsage =
      error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`folio: ${describeFailure(error)}\n`);
    if (isUsage) process.stderr.write(`${usage}\n`);
    process.exit(isUsage ? 2 : 1);
  },
);
