import type { Kysely } from 'kysely';

/**
 * Recently changed documents by time: the collaboration server's search sweeper looks
 * for documents changed in the last minutes whose search row is older than the change
 * (an instance that died between committing an edit and indexing it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('documents_updated_at_idx').on('documents').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('documents_updated_at_idx').execute();
}
