// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * Erasure gives the user a new id (a pseudonym) instead of keeping the one integrations,
 * exports and backups know.
 *
 * - `users.audit_ref`: what the audit hash covers in place of a user id (as actor and in
 *   the `details` keys that name users). Random for new users and never exposed; existing
 *   users get their id, so that every hash already in the chain stays valid. An erased
 *   user keeps it under the new id, so verification still finds what was hashed.
 * - Every foreign key to `users.id` follows an id change (ON UPDATE CASCADE). A key added
 *   later without it makes erasure fail loudly rather than leave the old id behind.
 * - The audit log stays append-only, except for one update: an erasure moving the user's
 *   entries to the pseudonym (actor_id and the user-naming `details` keys, nothing else,
 *   and only to an erased user's id), inside a transaction that asked for it.
 * - Users erased before this migration get their pseudonym now.
 */
const references: [table: string, column: string, onDelete: 'cascade' | 'set null'][] = [
  ['api_tokens', 'user_id', 'cascade'],
  ['sessions', 'user_id', 'cascade'],
  ['workspaces', 'personal_user_id', 'cascade'],
  ['workspaces', 'created_by', 'set null'],
  ['workspace_members', 'user_id', 'cascade'],
  ['documents', 'created_by', 'set null'],
  ['document_permissions', 'user_id', 'cascade'],
  ['document_permissions', 'granted_by', 'set null'],
  ['document_updates', 'actor_id', 'set null'],
  ['document_versions', 'created_by', 'set null'],
  ['erasure_requests', 'user_id', 'cascade'],
  ['erasure_requests', 'requested_by', 'set null'],
  ['workspace_invitations', 'invited_by', 'set null'],
];

async function recreateUserReferences(db: Kysely<any>, onUpdate: 'cascade' | 'no action'): Promise<void> {
  for (const [table, column, onDelete] of references) {
    // The names Postgres gave the inline REFERENCES clauses of the earlier migrations.
    const name = `${table}_${column}_fkey`;
    await sql`alter table ${sql.table(table)}
      drop constraint ${sql.id(name)},
      add constraint ${sql.id(name)} foreign key (${sql.ref(column)}) references users (id)
        on update ${sql.raw(onUpdate)} on delete ${sql.raw(onDelete)}`.execute(db);
  }
}

const appendOnly = sql`
  create or replace function audit_events_append_only() returns trigger language plpgsql as $$
  begin
    raise exception 'audit_events is append-only';
  end $$`;

/**
 * `userId` and `invitedBy` are the keys of `details` that name a user (the application's
 * AUDIT_USER_KEYS); a later key needs a later migration of this function.
 */
const pseudonymizable = sql`
  create or replace function audit_events_append_only() returns trigger language plpgsql as $$
  begin
    if tg_op = 'UPDATE'
       and current_setting('folio.audit_pseudonymize', true) = 'on'
       and new.id = old.id and new.at = old.at and new.action = old.action
       and new.document_id is not distinct from old.document_id
       and new.workspace_id is not distinct from old.workspace_id
       and new.prev_hash = old.prev_hash and new.hash = old.hash
       and new.details - 'userId' - 'invitedBy' = old.details - 'userId' - 'invitedBy'
       and (new.actor_id is not distinct from old.actor_id
            or exists (select 1 from users u where u.id = new.actor_id and u.erased_at is not null))
       and (new.details->>'userId' is not distinct from old.details->>'userId'
            or exists (select 1 from users u where u.id = new.details->>'userId' and u.erased_at is not null))
       and (new.details->>'invitedBy' is not distinct from old.details->>'invitedBy'
            or exists (select 1 from users u where u.id = new.details->>'invitedBy' and u.erased_at is not null))
    then
      return new;
    end if;
    raise exception 'audit_events is append-only';
  end $$`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column audit_ref text`.execute(db);
  await sql`update users set audit_ref = id`.execute(db);
  await sql`alter table users alter column audit_ref set not null, alter column audit_ref set default gen_random_uuid()::text`.execute(
    db,
  );
  await sql`create unique index users_audit_ref_key on users (audit_ref)`.execute(db);

  await recreateUserReferences(db, 'cascade');
  await pseudonymizable.execute(db);
  // Erasure finds the entries naming the user by each key; `userId` has its index.
  await sql`create index audit_events_invited_by_idx on audit_events ((details->>'invitedBy'))`.execute(db);

  // Users erased before now: the same re-keying the erasure does from here on.
  const erased = await sql<{ id: string }>`select id from users where erased_at is not null`.execute(db);
  if (erased.rows.length > 0)
    await sql`select set_config('folio.audit_pseudonymize', 'on', true)`.execute(db);
  for (const { id } of erased.rows) {
    const {
      rows: [row],
    } = await sql<{
      id: string;
    }>`update users set id = gen_random_uuid()::text where id = ${id} returning id`.execute(db);
    const pseudonym = row?.id ?? id;
    await sql`update audit_events set actor_id = ${pseudonym} where actor_id = ${id}`.execute(db);
    for (const key of ['userId', 'invitedBy']) {
      await sql`update audit_events set details = jsonb_set(details, array[${key}], to_jsonb(${pseudonym}::text))
        where details->>${key} = ${id}`.execute(db);
    }
    await sql`update erasure_requests set report = jsonb_set(report, '{userId}', to_jsonb(${pseudonym}::text))
      where report->>'userId' = ${id}`.execute(db);
    await sql`delete from workspace_invitations where invitee_id = ${id}`.execute(db);
  }
  if (erased.rows.length > 0) await sql`select set_config('folio.audit_pseudonymize', '', true)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index audit_events_invited_by_idx`.execute(db);
  await appendOnly.execute(db);
  await recreateUserReferences(db, 'no action');
  await sql`alter table users drop column audit_ref`.execute(db);
}
