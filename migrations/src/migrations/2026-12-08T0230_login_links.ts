// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * One-time sign-in links (the first admin's link printed by `pnpm start`, and
 * `folio login-link`): only the sha256 of the link's secret is stored. A link is spent
 * by setting `used_at` in the statement that reads it, so two clicks cannot both sign
 * in. Rows follow a user's id through erasure (ON UPDATE CASCADE) but are refused for
 * an erased user.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_links')
    .addColumn('id_hash', 'bytea', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) =>
      c.notNull().references('users.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('login_links_user_idx').on('login_links').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_links').execute();
}
