// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * Envelope encryption and crypto-shredding.
 *
 * - Schema `folio_keys`: the key store. Per-user and per-document data keys, each stored
 *   wrapped by the key-encryption key (which never enters the database), and the erasure
 *   ledger. It is a schema of its own so that data backups leave it out
 *   (`pg_dump --exclude-schema=folio_keys`) and are kept longer than the keys: a restored
 *   backup then holds only ciphertext for users and documents whose keys are gone. No
 *   foreign key crosses the schemas, so either side restores without the other; instead
 *   a trigger on `documents` shreds the document's key and records the delete in the
 *   ledger in the deleting transaction, whatever the path (a document delete, an
 *   erasure, a workspace going). User keys are deleted by the eraser.
 * - `users`: sealed email and name, and a keyed hash of the lower-cased email for
 *   lookups and uniqueness (the plaintext columns stay for rows not yet migrated).
 * - `document_updates`, `document_states`, `document_versions`: a `sealed` flag saying
 *   whether the bytes are ciphertext (false for rows written before, or with encryption
 *   off, until the background job seals them). `ADD COLUMN … DEFAULT false` is a
 *   catalogue-only change: no table rewrite on a large update log (the partial indexes
 *   of unsealed rows below read it once).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create schema if not exists folio_keys`.execute(db);
  await db.schema
    .withSchema('folio_keys')
    .createTable('user_keys')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .withSchema('folio_keys')
    .createTable('document_keys')
    .addColumn('document_id', 'text', (c) => c.primaryKey())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // No personal data: a document id, or a keyed hash of a user's original id. One row
  // per subject: replaying an erasure records nothing new.
  await db.schema
    .withSchema('folio_keys')
    .createTable('erasure_ledger')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'document')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('erasure_ledger_pkey', ['kind', 'subject'])
    .execute();
  // In schema public, so a data dump carries the function its trigger names; plpgsql
  // resolves the key-store tables only when it runs.
  await sql`
    create function shred_document_key() returns trigger language plpgsql as $$
    begin
      delete from folio_keys.document_keys where document_id = old.id;
      insert into folio_keys.erasure_ledger (kind, subject) values ('document', old.id)
        on conflict do nothing;
      return old;
    end $$`.execute(db);
  await sql`
    create trigger documents_shred_key after delete on documents
    for each row execute function shred_document_key()`.execute(db);

  await db.schema
    .alterTable('users')
    .addColumn('email_hmac', 'bytea')
    .addColumn('email_sealed', 'bytea')
    .addColumn('name_sealed', 'bytea')
    .execute();
  await sql`create unique index users_email_hmac_key on users (email_hmac) where email_hmac is not null`.execute(
    db,
  );
  for (const table of ['document_updates', 'document_states', 'document_versions']) {
    await db.schema
      .alterTable(table)
      .addColumn('sealed', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
  }
  // What the background sealer has left, found (and counted for its progress metric)
  // without a scan; empty once it is done, since new rows are written sealed.
  await sql`create index document_updates_unsealed on document_updates (seq) where not sealed`.execute(db);
  await sql`create index document_states_unsealed on document_states (document_id) where not sealed`.execute(
    db,
  );
  await sql`create index document_versions_unsealed on document_versions (id) where not sealed`.execute(db);
  // Sealed rows keep email null and name empty: anything else is still in the clear.
  await sql`create index users_unsealed on users (id) where email is not null or name <> ''`.execute(db);
}
