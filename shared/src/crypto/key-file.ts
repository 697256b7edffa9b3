import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The local key file: the key-encryption key and the email-lookup key, generated once
 * (mode 0600, in a 0700 directory) and read at start-up. It is the one thing that turns
 * the key store's wrapped keys back into data keys, so it is backed up apart from the
 * database and its backups (see the README: Backups and restores).
 */
export interface KeyFile {
  path: string;
  /** Wraps data keys (AES-256-GCM). */
  kek: Buffer;
  /** HMAC-SHA256 key of email lookups: separate, so a lookup hash says nothing of the KEK. */
  emailLookupKey: Buffer;
}

const keyBytes = z
  .string()
  .transform((value) => Buffer.from(value, 'base64'))
  .refine((key) => key.length === 32, 'must be 32 bytes, base64');

const fileSchema = z.object({ version: z.literal(1), kek: keyBytes, emailLookupKey: keyBytes });

/** Reads the key file at `path`, creating it when `create` and it does not exist. */
export async function loadKeyFile(path: string, options: { create: boolean }): Promise<KeyFile> {
  const absolute = resolve(path);
  let text: string | undefined;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!options.create) throw new Error(`the key file ${absolute} (KEY_FILE) does not exist`);
    await mkdir(dirname(absolute), { recursive: true, mode: 0o700 });
    const fresh = {
      version: 1,
      kek: randomBytes(32).toString('base64'),
      emailLookupKey: randomBytes(32).toString('base64'),
    };
    // 'wx': if another process raced us to it, read theirs instead.
    try {
      await writeFile(absolute, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
    }
    text = await readFile(absolute, 'utf8');
  }
  let parsed: z.output<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch {
    throw new Error(`the key file ${absolute} (KEY_FILE) is not a Folio key file`);
  }
  // Tighten a file someone copied in with wider permissions before anything else reads it.
  await chmod(absolute, 0o600).catch(() => {});
  return { path: absolute, kek: parsed.kek, emailLookupKey: parsed.emailLookupKey };
}
