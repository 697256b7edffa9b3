import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as initial from './migrations/2026-11-26T0000_initial.js';
import * as documentsUpdatedAt from './migrations/2026-11-26T0100_documents_updated_at.js';
import * as auditSubjectUser from './migrations/2026-11-26T0200_audit_subject_user.js';
import * as appendOnlyUpdateLog from './migrations/2026-12-02T0000_append_only_update_log.js';
import * as workspaceInvitations from './migrations/2026-12-02T0100_workspace_invitations.js';
import * as sessionIds from './migrations/2026-12-02T0110_session_ids.js';
import * as agentAttribution from './migrations/2026-12-02T1700_agent_attribution.js';
import * as userPseudonyms from './migrations/2026-12-02T1800_user_pseudonyms.js';
import * as searchTsvInline from './migrations/2026-12-02T1810_search_tsv_inline.js';
import * as webhooks from './migrations/2026-12-02T1900_webhooks.js';
import * as workspaceSearchLanguage from './migrations/2026-12-08T0205_workspace_search_language.js';
import * as loginLinks from './migrations/2026-12-08T0230_login_links.js';
import * as envelopeEncryption from './migrations/2026-12-08T0240_envelope_encryption.js';

/**
 * Every migration, by name. Names are timestamp-prefixed so Kysely's Migrator applies
 * them in order; the list is static so the built package needs no directory scan.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-26T0000_initial': initial,
  '2026-11-26T0100_documents_updated_at': documentsUpdatedAt,
  '2026-11-26T0200_audit_subject_user': auditSubjectUser,
  '2026-12-02T0000_append_only_update_log': appendOnlyUpdateLog,
  '2026-12-02T0100_workspace_invitations': workspaceInvitations,
  '2026-12-02T0110_session_ids': sessionIds,
  '2026-12-02T1700_agent_attribution': agentAttribution,
  '2026-12-02T1800_user_pseudonyms': userPseudonyms,
  '2026-12-02T1810_search_tsv_inline': searchTsvInline,
  '2026-12-02T1900_webhooks': webhooks,
  '2026-12-08T0205_workspace_search_language': workspaceSearchLanguage,
  '2026-12-08T0230_login_links': loginLinks,
  '2026-12-08T0240_envelope_encryption': envelopeEncryption,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export interface MigrationOutcome {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
}

/**
 * Each migration in a savepoint of the one transaction (see migrateToLatest): a failing
 * one is rolled back to its savepoint, so the transaction can still release the lock and
 * the failure is reported with its own error rather than "transaction is aborted".
 */
const savepointed: MigrationProvider = {
  getMigrations: async () =>
    Object.fromEntries(
      Object.entries(migrations).map(([name, migration]) => [
        name,
        {
          ...migration,
          up: async (db: Kysely<any>) => {
            await sql`savepoint folio_migration`.execute(db);
            try {
              await migration.up(db);
            } catch (error) {
              await sql`rollback to savepoint folio_migration`.execute(db);
              throw error;
            }
            await sql`release savepoint folio_migration`.execute(db);
          },
        },
      ]),
    ),
};

/**
 * Brings the schema to the latest migration. Safe to call from several processes at
 * once: Kysely's Migrator takes a Postgres advisory lock.
 *
 * That lock is session-level (`pg_advisory_lock` … `pg_advisory_unlock`), and on its own
 * the Migrator takes it, migrates and releases it in three transactions. Behind a
 * transaction-mode pooler (PgBouncer) those may run on three server connections: the
 * unlock misses, the lock stays with a pooled connection, and the next start waits on it
 * until lock_timeout. Handed one transaction, the Migrator does all three in it, on one
 * server connection, and everything still rolls back together when a migration fails.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>> | undefined;
  // Several processes creating the Migrator's own tables at once: one `create table if
  // not exists` can fail on the other's (Postgres), which aborts the whole transaction.
  // The next attempt finds the tables.
  for (let attempt = 1; attempt <= 3; attempt++) {
    outcome = undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        outcome = await new Migrator({ db: trx, provider: savepointed }).migrateToLatest();
        // Thrown to roll the transaction back; reported below with the migration's name.
        if (outcome.error) throw outcome.error;
      })
      .catch((error: unknown) => {
        if (!outcome?.error) throw error;
      });
    // Assigned in the callback, which TypeScript's narrowing does not follow.
    const settled = outcome as Awaited<ReturnType<Migrator['migrateToLatest']>> | undefined;
    if (!settled?.error || settled.results?.some((r) => r.status === 'Error')) break;
  }
  const { error, results = [] } = outcome ?? {};
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed ? `migration ${failed.migrationName} failed: ${message}` : `migration failed: ${message}`,
      { cause: error },
    );
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of migrations known to this build that the database has not applied. */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
