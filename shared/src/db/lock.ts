import { open, readFile, unlink } from 'node:fs/promises';

export interface DirectoryLock {
  release(): Promise<void>;
}

export class LockedError extends Error {
  override readonly name = 'LockedError';
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database is in use by process ${pid} (${path}); stop it, or set DATABASE_URL to share a Postgres server`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: its own pid in a file is not a stale lock then. */
const heldByThisProcess = new Set<string>();

/**
 * A pid file created with O_EXCL. A file left by a process that no longer exists
 * (killed with SIGKILL) is taken over.
 */
export async function acquireDirectoryLock(path: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldByThisProcess.add(path);
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          heldByThisProcess.delete(path);
          await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      // Our own pid in a lock we do not hold is a leftover of an earlier process that had
      // the same pid (pid 1 in a container, say).
      const live =
        pid === process.pid ? heldByThisProcess.has(path) : Number.isInteger(pid) && pid > 0 && isAlive(pid);
      if (live) {
        throw new LockedError(path, pid);
      }
      await unlink(path).catch(() => {});
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
