import { chmod, unlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import {
  type AdminServices,
  type CommandOutput,
  executeAdminCommand,
  parseAdminCommand,
  UsageError,
} from './admin-commands.js';
import { describeFailure } from './errors.js';

/**
 * While `pnpm start` holds the embedded database, no other process may open it. The
 * admin CLI then runs its command inside the running process instead, over a Unix
 * socket in DATA_DIR that only the owner can open (mode 0600): one JSON line with argv
 * in, one JSON line with the result out.
 */

const MAX_REQUEST_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

export interface RemoteResult extends CommandOutput {
  code: number;
}

async function handle(db: Db, line: string, services: AdminServices): Promise<RemoteResult> {
  try {
    const argv = JSON.parse(line) as unknown;
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
      throw new UsageError('malformed request');
    return { code: 0, ...(await executeAdminCommand(db, parseAdminCommand(argv), services)) };
  } catch (error) {
    return { code: error instanceof UsageError ? 2 : 1, stdout: '', stderr: describeFailure(error) };
  }
}

export async function serveAdminSocket(
  path: string,
  db: Db,
  log: Logger,
  /** The running process's bus and Redis, so an erasure closes its own collaboration sockets. */
  services: AdminServices = {},
): Promise<{ close(): Promise<void> }> {
  await unlink(path).catch(() => {});
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > MAX_REQUEST_BYTES) {
        socket.destroy();
        return;
      }
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      socket.pause();
      handle(db, buffer.slice(0, end), services).then((result) => {
        log.info({ code: result.code }, 'admin command over the local socket');
        socket.end(`${JSON.stringify(result)}\n`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        unlink(path).catch(() => {});
      }),
  };
}

/** Sends argv to a running `pnpm start`; undefined when nothing listens at `path`. */
export function runRemote(path: string, argv: string[]): Promise<RemoteResult | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    socket.setTimeout(REQUEST_TIMEOUT_MS, () =>
      socket.destroy(new Error('the running Folio did not answer in time')),
    );
    socket.on('connect', () => socket.write(`${JSON.stringify(argv)}\n`));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buffer) as RemoteResult);
      } catch {
        reject(new Error('the running Folio sent a malformed answer'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(undefined);
      else reject(error);
    });
  });
}
