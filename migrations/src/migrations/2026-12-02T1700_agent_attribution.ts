// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import type { Kysely } from 'kysely';

/**
 * Agent tokens: an API token may carry an agent label (software acting for its user),
 * and every update-log row written through one keeps the label beside the user, so
 * history and diffs can say "Ada, through her agent". Both columns are nullable with no
 * default: adding them rewrites no table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('agent', 'text').execute();
  await db.schema.alterTable('document_updates').addColumn('agent', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('document_updates').dropColumn('agent').execute();
  await db.schema.alterTable('api_tokens').dropColumn('agent').execute();
}
