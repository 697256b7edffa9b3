// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('role', 'text', (c) =>
      c.notNull().defaultTo('member').check(sql`role in ('member', 'admin', 'compliance')`),
    )
    .addColumn('oidc_issuer', 'text')
    .addColumn('oidc_subject', 'text')
    // Erasure keeps the row as a pseudonym (audit entries and update attributions point
    // at its id) but nulls email, name and OIDC identity.
    .addColumn('erased_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('users_oidc_identity_complete', sql`(oidc_issuer is null) = (oidc_subject is null)`)
    .execute();
  // Emails are unique case-insensitively; erased users have none.
  await sql`create unique index users_email_key on users (lower(email)) where email is not null`.execute(db);
  await db.schema
    .createIndex('users_oidc_identity_key')
    .unique()
    .on('users')
    .columns(['oidc_issuer', 'oidc_subject'])
    .where(sql.ref('oidc_issuer'), 'is not', null)
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    // sha256 of the secret; the secret itself is shown once and never stored.
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint(
      'api_tokens_scopes_known',
      sql`scopes <@ array['read', 'write', 'admin']::text[] and cardinality(scopes) > 0`,
    )
    .execute();
  await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('sessions')
    // sha256 of the cookie value.
    .addColumn('id_hash', 'bytea', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // Set for a user's personal workspace, which goes when the user goes.
    .addColumn('personal_user_id', 'text', (c) => c.unique().references('users.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  // Every foreign key that deletes cascade into or null out has an index on the
  // referencing side, so deleting a user or document never scans a table.
  await db.schema.createIndex('workspaces_created_by_idx').on('workspaces').column('created_by').execute();

  await db.schema
    .createTable('workspace_members')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('workspace_members_pkey', ['workspace_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('workspace_members_user_id_idx')
    .on('workspace_members')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    // Highest update-log sequence number handed out for this document. Writers bump it
    // with UPDATE … RETURNING, which row-locks the document until commit, so sequence
    // numbers of one document become visible in order and a snapshot covering "seq <= N"
    // can never miss a row committed later with a smaller number. A batch over several
    // documents locks them in id order first (appendUpdatesOfDocuments), so writers queue
    // instead of deadlocking.
    .addColumn('update_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  // Listing a workspace's documents, newest first, keyset-paginated.
  await db.schema
    .createIndex('documents_workspace_created_idx')
    .on('documents')
    .columns(['workspace_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema.createIndex('documents_created_by_idx').on('documents').column('created_by').execute();

  await db.schema
    .createTable('document_permissions')
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'editor', 'viewer')`))
    .addColumn('granted_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('document_permissions_pkey', ['document_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('document_permissions_user_id_idx')
    .on('document_permissions')
    .columns(['user_id', 'document_id'])
    .execute();

  await db.schema
    .createIndex('document_permissions_granted_by_idx')
    .on('document_permissions')
    .column('granted_by')
    .execute();

  // The merged Yjs snapshot of a document and the update-log position it covers.
  await db.schema
    .createTable('document_states')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('documents.id').onDelete('cascade'))
    .addColumn('snapshot', 'bytea', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  // Append-only log of every applied Yjs update, attributed.
  await db.schema
    .createTable('document_updates')
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('update', 'bytea', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('connection_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('document_updates_pkey', ['document_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('document_updates_actor_id_idx')
    .on('document_updates')
    .column('actor_id')
    .execute();
  await db.schema
    .createIndex('document_updates_created_idx')
    .on('document_updates')
    .columns(['document_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('document_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('label', 'text')
    .addColumn('kind', 'text', (c) =>
      c.notNull().defaultTo('manual').check(sql`kind in ('manual', 'auto', 'restore')`),
    )
    .addColumn('snapshot', 'bytea', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex('document_versions_document_created_idx')
    .on('document_versions')
    .columns(['document_id', 'created_at desc'])
    .execute();
  await db.schema
    .createIndex('document_versions_created_by_idx')
    .on('document_versions')
    .column('created_by')
    .execute();

  // Plain text for full-text search, kept by the persistence layer.
  await db.schema
    .createTable('document_search')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('documents.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tsv', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')`,
        )
        .stored(),
    )
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`create index document_search_tsv_idx on document_search using gin (tsv)`.execute(db);
  await db.schema
    .createIndex('document_search_workspace_id_idx')
    .on('document_search')
    .column('workspace_id')
    .execute();

  // Append-only, hash-chained: hash = sha256(prev_hash || canonical row). Entries hold
  // ids, never personal data, so erasure never has to rewrite them. No foreign keys:
  // entries outlive the documents and tokens they describe.
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('document_id', 'text')
    .addColumn('workspace_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('prev_hash', 'bytea', (c) => c.notNull())
    .addColumn('hash', 'bytea', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').column('at').execute();
  await db.schema
    .createIndex('audit_events_document_idx')
    .on('audit_events')
    .columns(['document_id', 'id'])
    .where(sql.ref('document_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('audit_events_actor_idx')
    .on('audit_events')
    .columns(['actor_id', 'id'])
    .where(sql.ref('actor_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('audit_events_action_idx')
    .on('audit_events')
    .columns(['action', 'id'])
    .execute();
  // Appends are serialised through this one-row table (SELECT … FOR UPDATE) so that
  // the chain never forks under concurrent writers.
  await db.schema
    .createTable('audit_chain_head')
    .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn('last_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('hash', 'bytea', (c) => c.notNull())
    .execute();
  await sql`insert into audit_chain_head (singleton, last_id, hash) values (true, 0, '\\x'::bytea || decode(repeat('00', 32), 'hex'))`.execute(
    db,
  );
  // The log is append-only at the database level too.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);

  await db.schema
    .createTable('erasure_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('requested_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'running', 'done', 'failed')`),
    )
    .addColumn('report', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('erasure_requests_status_idx')
    .on('erasure_requests')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('erasure_requests_user_id_idx')
    .on('erasure_requests')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('erasure_requests_requested_by_idx')
    .on('erasure_requests')
    .column('requested_by')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'erasure_requests',
    'audit_chain_head',
    'audit_events',
    'document_search',
    'document_versions',
    'document_updates',
    'document_states',
    'document_permissions',
    'documents',
    'workspace_members',
    'workspaces',
    'sessions',
    'api_tokens',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
  await sql`drop function if exists audit_events_append_only()`.execute(db);
}
