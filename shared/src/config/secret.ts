import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomSecret } from '../ids.js';

/**
 * SECRET_KEY when set; otherwise (embedded database only: config validation requires it
 * with DATABASE_URL) a key generated once and kept in DATA_DIR/secret.key, mode 0600.
 */
export async function resolveSecretKey(config: {
  SECRET_KEY?: string | undefined;
  DATA_DIR: string;
}): Promise<string> {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  const dir = resolve(config.DATA_DIR);
  const path = join(dir, 'secret.key');
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomSecret(256);
  // 'wx': if another process raced us to it, read theirs instead.
  try {
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}
