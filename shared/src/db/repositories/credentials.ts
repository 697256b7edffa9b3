import { sql } from 'kysely';
import { openProfiles } from '../../crypto/sealed-profile.js';
import type { Handle } from './handle.js';

/**
 * The user behind a connect token, if the credential that minted it is still live: an
 * unrevoked, unexpired API token or an unexpired session of that same user, who has not
 * been erased, with the credential's agent label if it is an agent token. One query;
 * each branch is a primary-key or unique-index lookup.
 */
export async function findUserOfLiveCredential(
  db: Handle,
  userId: string,
  credentialId: string,
  now = new Date(),
) {
  const row = await db
    .selectFrom('users')
    .select(['users.id', 'users.name', 'users.role', 'users.name_sealed'])
    // The agent label when the credential is an agent token (null for sessions).
    .select((eb) =>
      eb.selectFrom('api_tokens as a').select('a.agent').where('a.id', '=', credentialId).as('agent'),
    )
    .where('users.id', '=', userId)
    .where('users.erased_at', 'is', null)
    .where(({ or, exists, selectFrom }) =>
      or([
        exists(
          selectFrom('api_tokens as t')
            .select(sql`1`.as('one'))
            .where('t.id', '=', credentialId)
            .whereRef('t.user_id', '=', 'users.id')
            .where('t.revoked_at', 'is', null)
            .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now)])),
        ),
        exists(
          selectFrom('sessions as s')
            .select(sql`1`.as('one'))
            .where('s.id', '=', credentialId)
            .whereRef('s.user_id', '=', 'users.id')
            .where('s.expires_at', '>', now),
        ),
      ]),
    )
    .executeTakeFirst();
  return row ? (await openProfiles(db, [row], (r) => r.id))[0] : undefined;
}
