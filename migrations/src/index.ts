import type { Kysely } from 'kysely';
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
 * Brings the schema to the latest migration. Safe to call from several processes at
 * once: Kysely's Migrator takes a Postgres advisory lock.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
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
