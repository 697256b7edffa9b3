import { chmod, lstat, mkdir, opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** Entries visited when tightening an existing directory, so a huge tree cannot stall start-up. */
const MAX_ENTRIES = 100_000;

/**
 * Makes `dir` (created if missing) private to this user: mode 0700, and whatever inside
 * it is readable or writable by group or others loses those bits. The embedded database
 * holds every document and the dead rows of erased users; nobody else on the machine may
 * read it.
 *
 * PGlite's (Emscripten's) file system chmods every file it creates to 0666, whatever
 * the process umask, so files are tightened after the fact: when the database is opened
 * and again when it is closed. Files created while it runs are unreachable to others in
 * the meantime, because the directory itself is 0700.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  let visited = 0;
  const tighten = async (path: string): Promise<void> => {
    for await (const entry of await opendir(path)) {
      if (++visited > MAX_ENTRIES) return;
      const child = join(path, entry.name);
      if (entry.isSymbolicLink()) continue;
      const { mode } = await lstat(child);
      if ((mode & 0o077) !== 0) await chmod(child, mode & 0o700);
      if (entry.isDirectory()) await tighten(child);
    }
  };
  await tighten(dir);
}
