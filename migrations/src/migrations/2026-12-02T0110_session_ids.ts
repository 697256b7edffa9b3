// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * A public id per browser session, so that what a session mints (connect tokens) can
 * name it without carrying the hash of its cookie, and the collaboration server can check
 * with one index lookup that the session is still live. Existing sessions get a random id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('id', 'text', (c) => c.notNull().defaultTo(sql`gen_random_uuid()::text`))
    .execute();
  await db.schema.createIndex('sessions_id_key').unique().on('sessions').column('id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('id').execute();
}
