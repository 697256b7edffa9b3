import type { Handle } from './handle.js';

export function insertSession(
  db: Handle,
  session: { id: string; idHash: Uint8Array; userId: string; expiresAt: Date; userAgent: string | null },
): Promise<unknown> {
  return db
    .insertInto('sessions')
    .values({
      id: session.id,
      id_hash: session.idHash,
      user_id: session.userId,
      expires_at: session.expiresAt,
      user_agent: session.userAgent,
    })
    .execute();
}

/** An unexpired session of a user who has not been erased. */
export function findActiveSession(db: Handle, idHash: Uint8Array, now = new Date()) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.user_id as userId',
      'sessions.last_seen_at as lastSeenAt',
      'sessions.expires_at as expiresAt',
      'users.role',
    ])
    .where('sessions.id_hash', '=', idHash)
    .where('sessions.expires_at', '>', now)
    .where('users.erased_at', 'is', null)
    .executeTakeFirst();
}

export async function touchSession(db: Handle, idHash: Uint8Array, at: Date, expiresAt: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: at, expires_at: expiresAt })
    .where('id_hash', '=', idHash)
    .execute();
}

/** Deletes the session; who it belonged to and its public id, if it existed. */
export function deleteSession(db: Handle, idHash: Uint8Array) {
  return db
    .deleteFrom('sessions')
    .where('id_hash', '=', idHash)
    .returning(['id as sessionId', 'user_id as userId'])
    .executeTakeFirst();
}

export async function deleteExpiredSessions(db: Handle, now = new Date()): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function listSessionsOfUser(db: Handle, userId: string) {
  return db
    .selectFrom('sessions')
    .select([
      'created_at as createdAt',
      'last_seen_at as lastSeenAt',
      'expires_at as expiresAt',
      'user_agent as userAgent',
    ])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export async function deleteUserSessions(db: Handle, userId: string): Promise<Uint8Array[]> {
  const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).returning('id_hash').execute();
  return rows.map((r) => r.id_hash);
}
