import { type RawBuilder, sql } from 'kysely';
import { type Handle, inTransaction } from './handle.js';

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

/** Matches ranked per query: enough for a page, bounded so a common word costs no more than a rare one. */
export const SEARCH_CANDIDATES = 1000;
/** One pathological query must not hold a pooled connection. */
export const SEARCH_TIMEOUT_MS = 5000;

/**
 * Full-text search over `document_search` (title weighted above body), limited to the
 * documents the user may read — the same rule as `listReadableDocuments`: an explicit
 * role, or every document of a workspace they administer.
 *
 * The readable matches come through indexed joins (see readableMatches), and only the
 * first `SEARCH_CANDIDATES` of them are ranked: `ts_rank_cd` over every match of a common word was the whole cost
 * (EXPLAIN: ~90 % of the time in detoasting and ranking tens of thousands of rows before
 * the LIMIT). Title matches rank first, then `ts_rank_cd`; only the returned page gets a
 * (costly) `ts_headline`. The whole query runs under `SET LOCAL statement_timeout`. The
 * user's text only ever travels as a bound parameter to `websearch_to_tsquery`, which
 * accepts any input without raising a syntax error.
 */
export async function searchDocuments(db: Handle, query: SearchQuery): Promise<SearchHit[]> {
  return inTransaction(db, async (trx) => {
    await sql`set local statement_timeout = ${sql.lit(SEARCH_TIMEOUT_MS)}`.execute(trx);
    return rankedPage(trx, query);
  });
}

/** A branch of the candidate set: matches of one access path, bounded on its own. */
type Candidates = ReturnType<typeof matchesIn>;

function matchesIn(db: Handle, tsquery: RawBuilder<unknown>, workspaceId: string | undefined) {
  let q = db
    .selectFrom('document_search as s')
    .select(['s.document_id as documentId', 's.title as title', 's.tsv as tsv'])
    .where(sql<boolean>`s.tsv @@ ${tsquery}`);
  if (workspaceId !== undefined) q = q.where('s.workspace_id', '=', workspaceId);
  return q;
}

/**
 * The readable matches, at most SEARCH_CANDIDATES, as two indexed paths rather than one
 * per-row predicate over every match (EXPLAIN at 100k documents: a user with 10 shared
 * documents searching a common word scanned the whole table, 184k buffers and ~800 ms;
 * as joins, 130 buffers and ~6 ms):
 * - explicit roles, driven by the user's `document_permissions` rows (skipping
 *   workspaces they administer, which the other path covers);
 * - per workspace the user administers (LATERAL: none costs nothing), where the planner
 *   picks the GIN bitmap or an early-stopping scan of the workspace.
 */
function readableMatches(db: Handle, tsquery: RawBuilder<unknown>, query: SearchQuery): Candidates {
  if (query.instanceAdmin) return matchesIn(db, tsquery, query.workspaceId).limit(SEARCH_CANDIDATES);
  const byRole = matchesIn(db, tsquery, query.workspaceId)
    .innerJoin('document_permissions as p', 'p.document_id', 's.document_id')
    .where('p.user_id', '=', query.userId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('workspace_members as m')
            .select(sql`1`.as('one'))
            .whereRef('m.workspace_id', '=', 's.workspace_id')
            .where('m.user_id', '=', query.userId)
            .where('m.role', '=', 'admin'),
        ),
      ),
    )
    .limit(SEARCH_CANDIDATES);
  let administered = db
    .selectFrom('workspace_members as a')
    .select('a.workspace_id')
    .where('a.user_id', '=', query.userId)
    .where('a.role', '=', 'admin');
  if (query.workspaceId !== undefined)
    administered = administered.where('a.workspace_id', '=', query.workspaceId);
  const byWorkspace = db
    .selectFrom(administered.as('a'))
    .innerJoinLateral(
      () =>
        matchesIn(db, tsquery, undefined)
          .where('s.workspace_id', '=', sql.ref<string>('a.workspace_id'))
          .limit(SEARCH_CANDIDATES)
          .as('w'),
      (join) => join.onTrue(),
    )
    .select(['w.documentId', 'w.title', 'w.tsv'])
    .limit(SEARCH_CANDIDATES);
  return db
    .selectFrom(byRole.as('r'))
    .select(['r.documentId', 'r.title', 'r.tsv'])
    .unionAll(db.selectFrom(byWorkspace.as('w')).select(['w.documentId', 'w.title', 'w.tsv']))
    .limit(SEARCH_CANDIDATES) as unknown as Candidates;
}

async function rankedPage(db: Handle, query: SearchQuery): Promise<SearchHit[]> {
  const tsquery = sql`websearch_to_tsquery('english'::regconfig, ${query.text})`;
  const matches = readableMatches(db, tsquery, query);
  const rows = await db
    .with('candidates', () => matches)
    .with('hits', (qb) =>
      qb
        .selectFrom('candidates as c')
        .select([
          'c.documentId',
          'c.title',
          // The title's own lexemes are the weight-A part of tsv (see the column): the
          // same test as to_tsvector(title) @@ q without parsing 1,000 titles again
          // (about 4x cheaper per candidate).
          sql<boolean>`ts_filter(c.tsv, '{a}') @@ ${tsquery}`.as('inTitle'),
          sql<number>`ts_rank_cd(c.tsv, ${tsquery})`.as('rank'),
        ])
        .orderBy('inTitle', 'desc')
        .orderBy('rank', 'desc')
        .orderBy('documentId')
        .limit(query.limit),
    )
    .selectFrom('hits')
    .innerJoin('document_search as s', 's.document_id', 'hits.documentId')
    .select([
      'hits.documentId',
      'hits.title',
      'hits.rank',
      'hits.inTitle',
      // Markers already in the text are dropped so that every marker in a snippet is ours.
      sql<string>`ts_headline('english'::regconfig, translate(s.body, ${START_MARK + STOP_MARK}, ''), ${tsquery}, ${HEADLINE_OPTIONS})`.as(
        'snippet',
      ),
    ])
    .orderBy('hits.inTitle', 'desc')
    .orderBy('hits.rank', 'desc')
    .orderBy('hits.documentId')
    .execute();
  return rows.map(({ inTitle: _inTitle, ...r }) => ({ ...r, rank: Number(r.rank) }));
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

/**
 * The body indexed for search is cut to this many UTF-8 bytes. Postgres refuses a
 * tsvector over 1 MiB ("string is too long for tsvector"); text of distinct words makes a
 * tsvector about 1.25× its size, so 600 kB stays clear of that whatever the text. Without
 * the bound a write of a long document would be stored and then fail while indexing.
 */
export const SEARCH_BODY_MAX_BYTES = 600_000;

export function searchableBody(body: string): string {
  if (body.length * 3 <= SEARCH_BODY_MAX_BYTES || Buffer.byteLength(body) <= SEARCH_BODY_MAX_BYTES)
    return body;
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  return Buffer.from(body)
    .subarray(0, SEARCH_BODY_MAX_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

export async function upsertSearchText(
  db: Handle,
  entry: { documentId: string; workspaceId: string; title: string; body: string },
): Promise<void> {
  const body = searchableBody(entry.body);
  await db
    .insertInto('document_search')
    .values({
      document_id: entry.documentId,
      workspace_id: entry.workspaceId,
      title: entry.title,
      body,
      // The database's clock, like documents.updated_at: the search sweeper compares them.
      updated_at: sql`now()`,
    })
    .onConflict((oc) =>
      oc.column('document_id').doUpdateSet({
        title: entry.title,
        body,
        workspace_id: entry.workspaceId,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

export async function updateSearchTitle(db: Handle, documentId: string, title: string): Promise<void> {
  await db.updateTable('document_search').set({ title }).where('document_id', '=', documentId).execute();
}

/**
 * Of `documentIds`, those whose search row is missing or older than their last change,
 * each with whether that change is `settledMs` old (database clock): a settled one was
 * missed by its indexer; a recent one is still the collaboration node's to index.
 */
export async function findStaleSearchDocuments(
  db: Handle,
  documentIds: readonly string[],
  settledMs: number,
): Promise<{ id: string; settled: boolean }[]> {
  if (documentIds.length === 0) return [];
  return db
    .selectFrom('documents as d')
    .leftJoin('document_search as s', 's.document_id', 'd.id')
    .select([
      'd.id',
      sql<boolean>`d.updated_at < now() - ${settledMs} * interval '1 millisecond'`.as('settled'),
    ])
    .where('d.id', 'in', [...documentIds])
    .where((eb) => eb.or([eb('s.document_id', 'is', null), eb('s.updated_at', '<', eb.ref('d.updated_at'))]))
    .execute();
}
