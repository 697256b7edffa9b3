import { createHash } from 'node:crypto';
import type { CollabBus } from '../collab-bus.js';
import type { Handle } from '../db/repositories/handle.js';
import {
  deleteExpiredSessions,
  deleteSession,
  findActiveSession,
  insertSession,
  touchSession,
} from '../db/repositories/sessions.js';
import type { InstanceRole } from '../db/schema.js';
import { newId, randomSecret } from '../ids.js';

/** Browser sessions: the cookie carries a random secret; only its sha256 is stored. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Sliding expiry is written at most this often per session. */
const REFRESH_EVERY_MS = 5 * 60 * 1000;

const hashSession = (secret: string) => createHash('sha256').update(`session:${secret}`).digest();

export async function sessionStarter(
  db: Handle,
  input: { userId: string; userAgent?: string | null; now?: Date },
): Promise<{ secret: string; expiresAt: Date; sessionId: string }> {
  const now = input.now ?? new Date();
  const secret = randomSecret(256);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  // Logins are rare enough to sweep expired sessions here instead of in a timer.
  await deleteExpiredSessions(db, now);
  const sessionId = newId();
  await insertSession(db, {
    id: sessionId,
    idHash: hashSession(secret),
    userId: input.userId,
    expiresAt,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
  });
  return { secret, expiresAt, sessionId };
}

export interface SessionPrincipal {
  userId: string;
  role: InstanceRole;
  sessionKey: string;
  /** When the session ends unless used again (it slides by SESSION_TTL_MS on use). */
  expiresAt: Date;
  /** The session's public id: connect tokens minted through it name it. */
  sessionId: string;
}

/** The user behind a session cookie, or undefined for an unknown or expired one. */
export async function authenticateSession(
  db: Handle,
  secret: string,
  now = new Date(),
): Promise<SessionPrincipal | undefined> {
  if (secret.length < 32 || secret.length > 128) return undefined;
  const idHash = hashSession(secret);
  const found = await findActiveSession(db, idHash, now);
  if (!found) return undefined;
  let expiresAt = found.expiresAt;
  if (now.getTime() - found.lastSeenAt.getTime() > REFRESH_EVERY_MS) {
    expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await touchSession(db, idHash, now, expiresAt);
  }
  return {
    userId: found.userId,
    role: found.role,
    sessionKey: idHash.toString('base64url'),
    sessionId: found.sessionId,
    expiresAt,
  };
}

/**
 * Ends a session (logout). Collaboration connections opened with connect tokens it
 * minted close on every instance: they carry its id.
 */
export async function sessionEnder(db: Handle, secret: string, bus?: CollabBus): Promise<boolean> {
  if (secret.length < 32 || secret.length > 128) return false;
  const ended = await deleteSession(db, hashSession(secret));
  if (!ended) return false;
  await bus?.publish({ type: 'revoke', userId: ended.userId, tokenId: ended.sessionId });
  return true;
}
