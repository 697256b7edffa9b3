import { parseArgs } from 'node:util';
import { migrateToLatest } from '@folio/migrations';
import { emailSchema, FolioError, instanceRoleSchema, nameSchema, scopeListSchema } from '@folio/shared';
import {
  apiTokenIssuer,
  type ErasureReport,
  erasureLedgerReplayer,
  erasureRequester,
  erasureRequestRunner,
  loginLinkIssuer,
  type UserEraserDeps,
  userCreator,
  userExporter,
} from '@folio/shared/commands';
import { type Db, findErasureRequest, findUserByEmail, listLiveUsers, type User } from '@folio/shared/db';
import type { z } from 'zod';

export const usage = `usage: pnpm folio <command>
  migrate
  user create --email E [--name N] [--role member|admin|compliance]
  user list                 one JSON line per user (id, email, name, role)
  token create --email E [--scopes read,write,admin] [--name N]
  login-link --email E      a one-time web app sign-in link for the user (15 minutes)
  gdpr erase --email E [--yes]  erase the user now (asks first on a terminal unless --yes);
                            prints the erasure report as JSON
  gdpr export --email E     prints everything Folio holds about the user as JSON
  gdpr replay-ledger        after a restore: re-applies every recorded erasure and
                            document delete (idempotent); prints counts as JSON`;

/** Bad usage: exit code 2, with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type AdminCommand =
  | { kind: 'help' }
  | { kind: 'migrate' }
  | { kind: 'user create'; email: string; name: string; role: z.output<typeof instanceRoleSchema> }
  | { kind: 'user list' }
  | { kind: 'token create'; email: string; scopes: z.output<typeof scopeListSchema>; name: string }
  | { kind: 'login-link'; email: string }
  | { kind: 'gdpr erase'; email: string; confirmed: boolean }
  | { kind: 'gdpr export'; email: string }
  | { kind: 'gdpr replay-ledger' };

function field<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(
      `--${flag}: ${value === undefined ? 'is required' : (parsed.error.issues[0]?.message ?? 'invalid')}`,
    );
  }
  return parsed.data;
}

/** Parses and validates argv completely, before anything touches the database. */
export function parseAdminCommand(argv: string[]): AdminCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        scopes: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  const command = positionals.join(' ');
  if (values.help || command === '') return { kind: 'help' };
  switch (command) {
    case 'migrate':
      return { kind: 'migrate' };
    case 'user create':
      return {
        kind: 'user create',
        email: field(emailSchema, values.email, 'email'),
        name: values.name === undefined ? '' : field(nameSchema, values.name, 'name'),
        role: values.role === undefined ? 'member' : field(instanceRoleSchema, values.role, 'role'),
      };
    case 'user list':
      return { kind: 'user list' };
    case 'token create':
      return {
        kind: 'token create',
        email: field(emailSchema, values.email, 'email'),
        scopes: field(scopeListSchema, values.scopes ?? 'read,write', 'scopes'),
        name: values.name === undefined ? 'cli' : field(nameSchema, values.name, 'name'),
      };
    case 'login-link':
      return { kind: command, email: field(emailSchema, values.email, 'email') };
    case 'gdpr erase':
      return {
        kind: command,
        email: field(emailSchema, values.email, 'email'),
        confirmed: values.yes === true,
      };
    case 'gdpr export':
      return { kind: command, email: field(emailSchema, values.email, 'email') };
    case 'gdpr replay-ledger':
      return { kind: command };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * What commands beyond the database need: erasure closes the user's WebSockets through
 * the collaboration bus and sweeps Redis. Without them it still erases; open sockets
 * then end at their next reconnect, which is refused.
 */
export type AdminServices = UserEraserDeps;

async function findLiveUser(db: Db, email: string): Promise<User> {
  const user = await findUserByEmail(db, email);
  if (!user || user.erased_at)
    throw new FolioError('NOT_FOUND', `no user with email ${email}`, { field: 'email' });
  return user;
}

/** `user list` prints at most this many. */
const USER_LIST_LIMIT = 10_000;

/** How long `gdpr erase` waits for a request another worker already holds. */
const ERASE_WAIT_MS = 25_000;

/**
 * Erases now, through an erasure request so the API's status route and the audit log
 * see it like any other. If a worker holds an open request for the user, waits for it.
 */
async function eraseNow(
  db: Db,
  userId: string,
  services: AdminServices,
): Promise<{ requestId: string; report: ErasureReport }> {
  const { request } = await erasureRequester(db, { target: { userId }, actorId: null });
  const outcome = await erasureRequestRunner(db, services, { id: request.id });
  if (outcome?.report) return { requestId: request.id, report: outcome.report };
  if (outcome?.error) throw new FolioError('INTERNAL', `erasure failed: ${outcome.error}`);
  const deadline = Date.now() + ERASE_WAIT_MS;
  while (Date.now() < deadline) {
    const current = await findErasureRequest(db, request.id);
    if (current?.status === 'done') {
      return { requestId: request.id, report: current.report as unknown as ErasureReport };
    }
    if (current?.status === 'failed') throw new FolioError('INTERNAL', `erasure failed: ${current.error}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new FolioError('UNAVAILABLE', `erasure ${request.id} is still running elsewhere; check it later`);
}

/** Runs a parsed command against a database. Failures throw (FolioError for bad input). */
export async function executeAdminCommand(
  db: Db,
  command: AdminCommand,
  services: AdminServices = {},
): Promise<CommandOutput> {
  switch (command.kind) {
    case 'help':
      return { stdout: `${usage}\n`, stderr: '' };
    case 'migrate': {
      const { applied } = await migrateToLatest(db);
      return {
        stdout: applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
        stderr: '',
      };
    }
    case 'user create': {
      const user = await userCreator(db, {
        email: command.email,
        name: command.name,
        role: command.role,
        actorId: null,
      });
      return {
        stdout: `${JSON.stringify({ id: user.id, email: user.email, name: user.name, role: user.role })}\n`,
        stderr: '',
      };
    }
    case 'user list': {
      const users = await listLiveUsers(db, USER_LIST_LIMIT + 1);
      const lines = users
        .slice(0, USER_LIST_LIMIT)
        .map((u) => JSON.stringify({ id: u.id, email: u.email, name: u.name, role: u.role }));
      return {
        stdout: lines.map((l) => `${l}\n`).join(''),
        stderr:
          users.length > USER_LIST_LIMIT
            ? `the first ${USER_LIST_LIMIT} users; look one up with GET /v1/users?email=\n`
            : '',
      };
    }
    case 'token create': {
      const user = await findUserByEmail(db, command.email);
      if (!user || user.erased_at)
        throw new FolioError('NOT_FOUND', `no user with email ${command.email}`, { field: 'email' });
      const { token, record } = await apiTokenIssuer(db, {
        userId: user.id,
        scopes: command.scopes,
        name: command.name,
        actorId: null,
      });
      return {
        stdout: `${token}\n`,
        stderr: `token ${record.id} for ${user.email} with scopes ${command.scopes.join(',')} (shown once):\n`,
      };
    }
    case 'login-link': {
      const user = await findLiveUser(db, command.email);
      const { secret, expiresAt } = await loginLinkIssuer(db, { userId: user.id });
      // The path only: the front (folio.ts) puts PUBLIC_URL before it, wherever this ran.
      return {
        stdout: `/auth/link?token=${secret}\n`,
        stderr: `sign-in link for ${user.email}, usable once until ${expiresAt.toISOString()}:\n`,
      };
    }
    case 'gdpr erase': {
      const user = await findLiveUser(db, command.email);
      const { requestId, report } = await eraseNow(db, user.id, services);
      return {
        stdout: `${JSON.stringify(report, null, 2)}\n`,
        stderr: `erasure request ${requestId}: erased user ${user.id} (GET /v1/gdpr/erasures/${requestId})\n`,
      };
    }
    case 'gdpr export': {
      const user = await findLiveUser(db, command.email);
      const exported = await userExporter(db, { userId: user.id, actorId: null });
      return { stdout: `${JSON.stringify(exported, null, 2)}\n`, stderr: '' };
    }
    case 'gdpr replay-ledger': {
      const report = await erasureLedgerReplayer(db, services);
      return {
        stdout: `${JSON.stringify(report, null, 2)}\n`,
        stderr: `replayed ${report.entries} ledger entries\n`,
      };
    }
  }
}
