import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../schema.js';

/**
 * "The user owns document d": an explicit owner role on it, or it sits in their personal
 * workspace. For queries over `documents as d` joined with `workspaces as w`; erasure
 * and export must agree on it, hence one definition.
 */
export function ownedBy(
  eb: ExpressionBuilder<Database & { d: Database['documents']; w: Database['workspaces'] }, 'd' | 'w'>,
  userId: string,
) {
  return eb.or([
    eb('w.personal_user_id', '=', userId),
    eb.exists(
      eb
        .selectFrom('document_permissions as p')
        .select(sql`1`.as('one'))
        .whereRef('p.document_id', '=', 'd.id')
        .where('p.user_id', '=', userId)
        .where('p.role', '=', 'owner'),
    ),
  ]);
}
