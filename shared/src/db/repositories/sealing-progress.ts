import { sql } from 'kysely';
import type { Handle } from './handle.js';

/** Rows still unsealed, by table (the background sealer's progress). */
export interface UnsealedCounts {
  users: number;
  document_updates: number;
  document_states: number;
  document_versions: number;
}

/** Counted up to this many per table, so a scrape of a large backlog stays cheap. */
const CAP = 1_000_000;

/**
 * One statement; each count walks only the partial index of unsealed rows (empty once the
 * sealer is done and while encryption is on), never the table.
 */
export async function countUnsealedRows(db: Handle): Promise<UnsealedCounts> {
  const { rows } = await sql<UnsealedCounts>`
    select
      (select count(*) from (select 1 from users where email is not null or name <> '' limit ${CAP}) u)::int
        as users,
      (select count(*) from (select 1 from document_updates where not sealed limit ${CAP}) u)::int
        as document_updates,
      (select count(*) from (select 1 from document_states where not sealed limit ${CAP}) s)::int
        as document_states,
      (select count(*) from (select 1 from document_versions where not sealed limit ${CAP}) v)::int
        as document_versions`.execute(db);
  return rows[0] as UnsealedCounts;
}
