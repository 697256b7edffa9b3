import type { Handle } from './handle.js';

export async function insertLoginLink(
  db: Handle,
  link: { idHash: Uint8Array; userId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('login_links')
    .values({ id_hash: link.idHash, user_id: link.userId, expires_at: link.expiresAt })
    .execute();
}

/**
 * Spends an unused, unexpired link in one statement (so two clicks cannot both succeed)
 * and answers whose it was; undefined for an unknown, spent or expired link, or one of an
 * erased user.
 */
export function spendLoginLink(db: Handle, idHash: Uint8Array, now = new Date()) {
  return db
    .updateTable('login_links')
    .set({ used_at: now })
    .from('users')
    .whereRef('users.id', '=', 'login_links.user_id')
    .where('login_links.id_hash', '=', idHash)
    .where('login_links.used_at', 'is', null)
    .where('login_links.expires_at', '>', now)
    .where('users.erased_at', 'is', null)
    .returning(['login_links.user_id as userId', 'users.role'])
    .executeTakeFirst();
}

/** Links spent or expired before `before`: nothing can use them any more. */
export async function deleteStaleLoginLinks(db: Handle, before: Date): Promise<void> {
  await db
    .deleteFrom('login_links')
    .where((eb) => eb.or([eb('expires_at', '<=', before), eb('used_at', 'is not', null)]))
    .execute();
}
