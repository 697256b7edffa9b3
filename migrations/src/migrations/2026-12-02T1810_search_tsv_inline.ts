// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * Keeps `document_search.tsv` in the row (compressed) and lets the body go out of line
 * first. Search matches and ranks on tsv alone, the body is read only for the snippets of
 * one page; with both EXTENDED, most tsvs of a 3–10 sentence document went to the TOAST
 * table, and each candidate cost TOAST index and heap lookups. EXPLAIN (ANALYZE, BUFFERS)
 * of the 1,000-candidate ranking at 100k documents: 4,562 → 359 buffers for a common
 * word, 8,793 → 1,762 for a phrase, about half the time.
 *
 * Only rows written from now on are stored this way (SET STORAGE rewrites nothing);
 * every edit rewrites its document's row, so the table converges as documents change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table document_search alter column tsv set storage main`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table document_search alter column tsv set storage extended`.execute(db);
}
