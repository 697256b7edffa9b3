// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * Invitations to a workspace: how someone who shares no workspace with its admin joins
 * (they accept it; until then the workspace sees nothing of them).
 *
 * `invitee_id` has no foreign key on purpose: an invitation to an id that names no user
 * is stored like any other, so that inviting an unknown id and inviting a stranger answer
 * alike (no user directory by probing). Such a row can never be accepted and expires.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspace_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('invitee_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn('invited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // One pending invitation per person and workspace: inviting again renews it.
    .addUniqueConstraint('workspace_invitations_workspace_invitee_key', ['workspace_id', 'invitee_id'])
    .execute();
  // The invitee's inbox (GET /v1/invitations) and erasure.
  await db.schema
    .createIndex('workspace_invitations_invitee_idx')
    .on('workspace_invitations')
    .columns(['invitee_id', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('workspace_invitations_invited_by_idx')
    .on('workspace_invitations')
    .column('invited_by')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('workspace_invitations').ifExists().execute();
}
