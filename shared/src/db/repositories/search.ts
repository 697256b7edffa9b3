import { sql } from 'kysely';
import { readableBy } from './document-access.js';
import type { Handle } from './handle.js';

export interface SearchQuery {
  /** Web-search syntax: "quoted phrases", `or`, `-excluded`; never parsed by us. */
  text: string;
  userId: string;
  /** Instance admins read everything. */
  instanceAdmin: boolean;
  workspaceId?: string | undefined;
  limit: number;
}

export interface SearchHit {
  documentId: string;
  title: string;
  /** A fragment of the body with each match between START_MARK and STOP_MARK. */
  snippet: string;
  rank: number;
}

/** Control characters around matches in a snippet: no document text can forge them. */
export const START_MARK = '\u0002';
export const STOP_MARK = '\u0003';

const HEADLINE_OPTIONS = `StartSel="${START_MARK}", StopSel="${STOP_MARK}", MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Full-text search over `document_search` (title weighted above body), limited to the
 * documents the user may read — the same rule as `listReadableDocuments`: an explicit
 * role, or every document of a workspace they administer. Ranking runs on the GIN index
 * first and only the page that is returned gets a (costly) `ts_headline`. The user's
 * text only ever travels as a bound parameter to `websearch_to_tsquery`, which accepts
 * any input without raising a syntax error.
 */
export async function searchDocuments(db: Handle, query: SearchQuery): Promise<SearchHit[]> {
  const tsquery = sql`websearch_to_tsquery('english'::regconfig, ${query.text})`;
  let ranked = db
    .selectFrom('document_search as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select([
      's.document_id as documentId',
      'd.title as title',
      sql<number>`ts_rank_cd(s.tsv, ${tsquery})`.as('rank'),
    ])
    .where(sql<boolean>`s.tsv @@ ${tsquery}`);
  if (!query.instanceAdmin) {
    ranked = ranked.where((eb) => readableBy(eb, 'd', query.userId));
  }
  if (query.workspaceId !== undefined) ranked = ranked.where('d.workspace_id', '=', query.workspaceId);
  const rows = await db
    .with('hits', () => ranked.orderBy('rank', 'desc').orderBy('documentId').limit(query.limit))
    .selectFrom('hits')
    .innerJoin('document_search as s', 's.document_id', 'hits.documentId')
    .select([
      'hits.documentId',
      'hits.title',
      'hits.rank',
      // Markers already in the text are dropped so that every marker in a snippet is ours.
      sql<string>`ts_headline('english'::regconfig, translate(s.body, ${START_MARK + STOP_MARK}, ''), ${tsquery}, ${HEADLINE_OPTIONS})`.as(
        'snippet',
      ),
    ])
    .orderBy('hits.rank', 'desc')
    .orderBy('hits.documentId')
    .execute();
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}

/**
 * Documents whose last change is older than `settledMs` but newer than the search row
 * (or that have none), among those changed in the last `lookbackMs`. Both timestamps
 * come from the database's clock (`now()` of the writing transaction). Normally the
 * indexer has caught up long before `settledMs`; what this finds are edits whose
 * indexer died with its process.
 */
export async function listStaleSearchDocuments(
  db: Handle,
  window: { settledMs: number; lookbackMs: number; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('documents as d')
    .leftJoin('document_search as s', 's.document_id', 'd.id')
    .select('d.id')
    .where('d.updated_at', '>', sql<Date>`now() - ${window.lookbackMs} * interval '1 millisecond'`)
    .where('d.updated_at', '<', sql<Date>`now() - ${window.settledMs} * interval '1 millisecond'`)
    .where((eb) => eb.or([eb('s.document_id', 'is', null), eb('s.updated_at', '<', eb.ref('d.updated_at'))]))
    .orderBy('d.updated_at')
    .limit(window.limit)
    .execute();
  return rows.map((r) => r.id);
}
