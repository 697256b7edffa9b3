import { type Kysely, sql } from 'kysely';

/**
 * Audit entries about a user (`details.userId`: tokens issued for them, their roles,
 * their erasure) are read by the GDPR export; without this index every export scanned
 * the whole audit log.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_events_subject_user_idx on audit_events ((details->>'userId'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_subject_user_idx').execute();
}
