import { createHash } from 'node:crypto';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteStaleLoginLinks, insertLoginLink, spendLoginLink } from '../db/repositories/login-links.js';
import { FolioError } from '../errors.js';
import { randomSecret } from '../ids.js';
import { sessionStarter } from './sessions.js';

/** Long enough to copy a link from a terminal into a browser; short enough to be worthless in a log. */
export const LOGIN_LINK_TTL_MS = 15 * 60 * 1000;

const hashLink = (secret: string) => createHash('sha256').update(`login-link:${secret}`).digest();

/**
 * A one-time sign-in link's secret for a user (the first admin's, printed by `pnpm start`
 * when no single sign-on is configured; `folio login-link`). Only its hash is stored.
 */
export async function loginLinkIssuer(
  db: Handle,
  input: { userId: string; now?: Date; ttlMs?: number },
): Promise<{ secret: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const secret = randomSecret(256);
  const expiresAt = new Date(now.getTime() + (input.ttlMs ?? LOGIN_LINK_TTL_MS));
  await insertLoginLink(db, { idHash: hashLink(secret), userId: input.userId, expiresAt });
  return { secret, expiresAt };
}

/**
 * Spends a sign-in link and starts a browser session for its user, audited as
 * `user.login` via `link`. A second use, an expired link or an erased user's is a 401
 * that says which cases it covers, never which one it was.
 */
export async function loginLinkRedeemer(
  db: Handle,
  input: { secret: string; userAgent?: string | null; now?: Date },
): Promise<{ userId: string; session: Awaited<ReturnType<typeof sessionStarter>> }> {
  const now = input.now ?? new Date();
  if (input.secret.length < 32 || input.secret.length > 128) {
    throw new FolioError('UNAUTHENTICATED', 'this sign-in link is not valid');
  }
  return inTransaction(db, async (trx) => {
    const spent = await spendLoginLink(trx, hashLink(input.secret), now);
    if (!spent) {
      throw new FolioError('UNAUTHENTICATED', 'this sign-in link was already used or has expired');
    }
    // Sign-ins are rare: sweeping here keeps the table small without a timer.
    await deleteStaleLoginLinks(trx, now);
    const session = await sessionStarter(trx, { userId: spent.userId, userAgent: input.userAgent, now });
    await appendAuditEvent(trx, { actorId: spent.userId, action: 'user.login', details: { via: 'link' } });
    return { userId: spent.userId, session };
  });
}
