import { type RawBuilder, sql } from 'kysely';
import { SEARCH_LANGUAGES, type SearchLanguage } from '../../search-language.js';
import { type Handle, inTransaction } from './handle.js';
import { boundStatement, SENTINEL } from './search-statements.js';

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
 * Matches ranked per query, bounded so a common word costs no more than a rare one:
 * up to TITLE_CANDIDATES whose title matches (found through their own index, so title
 * matches rank first however many documents mention the words only in their body),
 * plus up to SEARCH_CANDIDATES of any kind. Scanning and ranking the candidates was
 * about 60 % of Postgres's CPU per query at 1,000 of them (bench mix at 100k documents,
 * backend CPU 10.2 → 6.1 ms at 300).
 */
export const SEARCH_CANDIDATES = 300;
export const TITLE_CANDIDATES = 100;
/**
 * Snippets are cut from the start of the body up to this many characters. ts_headline
 * parses all of its input and is superlinear in matches: 317 ms for one 574 kB body
 * (20 per page would pass the statement timeout), 23 ms for its first 20 kB. A match
 * further in still finds the document (tsv covers the indexed text); its snippet then
 * shows the beginning.
 */
export const HEADLINE_SOURCE_CHARS = 10_000;
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
 * (costly) `ts_headline`. Each row is matched, ranked and highlighted with its own text
 * search configuration (the workspace's; see parsedQuery). The whole query runs under a
 * transaction-local `statement_timeout`. The
 * user's text only ever travels as a bound parameter to `websearch_to_tsquery`, which
 * accepts any input without raising a syntax error.
 */
export async function searchDocuments(db: Handle, query: SearchQuery): Promise<SearchHit[]> {
  // The statements are built for the shape of the query, with sentinels for its values
  // (see search-statements.ts), and bound to this call's values.
  const template: SearchQuery = {
    ...query,
    text: SENTINEL.text,
    userId: SENTINEL.userId,
    workspaceId: query.workspaceId === undefined ? undefined : SENTINEL.workspaceId,
    limit: SENTINEL.limit,
  };
  const shape = `${query.instanceAdmin ? 'admin' : 'user'}:${query.workspaceId === undefined ? 'all' : 'one'}`;
  return inTransaction(db, async (trx) => {
    const scope = boundStatement(
      `languages:${shape}`,
      () => timeoutAndLanguages(trx, template).compile(trx),
      query,
    );
    const found = (await trx.executeQuery<{ languages: string[] }>(scope)).rows[0]?.languages ?? [];
    // Only names from the allow-list are ever spliced into the query as literals.
    const languages = SEARCH_LANGUAGES.filter((l) => found.includes(l));
    if (languages.length === 0) return [];
    const page = boundStatement(
      `page:${shape}:${languages.join(',')}`,
      () => rankedPage(trx, template, parsedQuery(template.text, languages)).compile(),
      query,
    );
    const rows = (await trx.executeQuery<PageRow>(page)).rows;
    return rows.map(({ inTitle: _inTitle, ...r }) => ({ ...r, rank: Number(r.rank) }));
  });
}

type PageRow = SearchHit & { inTitle: boolean };

/**
 * Arms the statement timeout for the rest of the transaction and reads the text search
 * configurations the rows in scope may carry, in one round trip. The scope is that of
 * readableMatches: for instance admins every workspace (or the one asked for); otherwise
 * the workspaces the caller administers plus the rows they hold a role on, whose own
 * configurations are read directly (one primary-key lookup per role).
 */
function timeoutAndLanguages(db: Handle, query: SearchQuery) {
  let workspaces = db
    .selectFrom('workspaces as w')
    .select(sql<string>`unnest(w.search_languages)`.as('language'));
  if (query.workspaceId !== undefined) workspaces = workspaces.where('w.id', '=', query.workspaceId);
  let scope = workspaces;
  if (!query.instanceAdmin) {
    workspaces = workspaces.where('w.id', 'in', (eb) =>
      eb
        .selectFrom('workspace_members as m')
        .select('m.workspace_id')
        .where('m.user_id', '=', query.userId)
        .where('m.role', '=', 'admin'),
    );
    let byRole = db
      .selectFrom('document_permissions as p')
      .innerJoin('document_search as s', 's.document_id', 'p.document_id')
      .select('s.search_language as language')
      .where('p.user_id', '=', query.userId);
    if (query.workspaceId !== undefined) byRole = byRole.where('s.workspace_id', '=', query.workspaceId);
    scope = workspaces.union(byRole);
  }
  return sql<{ languages: string[] }>`
    select set_config('statement_timeout', ${String(SEARCH_TIMEOUT_MS)}, true) as timeout,
           array(select distinct l.language from (${scope}) as l) as languages`;
}

/**
 * The user's text parsed once per configuration in scope, each row matched and ranked
 * with the query of its own configuration. With one configuration (the usual case) this
 * is the plain `tsv @@ websearch_to_tsquery('english', $text)` the planner estimates
 * well; with several, one indexed condition per configuration (a BitmapOr).
 */
export interface ParsedQuery {
  /** The row of `table` matches; with `title`, its title does (the weight-A lexemes of tsv). */
  matches(table: string, part?: MatchPart): RawBuilder<boolean>;
  /** The tsquery for a row whose configuration is in `language`. */
  tsquery(language: RawBuilder<unknown>): RawBuilder<unknown>;
  /** The regconfig for a row whose configuration is in `language`. */
  config(language: RawBuilder<unknown>): RawBuilder<unknown>;
}

type MatchPart = 'any' | 'title';

/**
 * The title's own lexemes are the weight-A part of tsv (see the column): the same test
 * as to_tsvector(title) @@ q without parsing titles again, and the expression of the
 * `document_search_title_idx` index.
 */
const vector = (tsv: RawBuilder<unknown>, part: MatchPart) =>
  part === 'title' ? sql`ts_filter(${tsv}, '{a}')` : tsv;

function parsedQuery(text: string, languages: SearchLanguage[]): ParsedQuery {
  const regconfig = (l: SearchLanguage) => sql`${sql.lit(l)}::regconfig`;
  const parse = (l: SearchLanguage) => sql`websearch_to_tsquery(${regconfig(l)}, ${text})`;
  const [only] = languages;
  if (languages.length === 1 && only !== undefined)
    return {
      matches: (table, part = 'any') =>
        sql<boolean>`${vector(sql.ref(`${table}.tsv`), part)} @@ ${parse(only)}`,
      tsquery: () => parse(only),
      config: () => regconfig(only),
    };
  const perLanguage = (language: RawBuilder<unknown>, value: (l: SearchLanguage) => RawBuilder<unknown>) =>
    sql`(case ${language} ${sql.join(
      languages.map((l) => sql`when ${sql.lit(l)} then ${value(l)}`),
      sql` `,
    )} end)`;
  return {
    matches: (table, part = 'any') =>
      sql<boolean>`(${sql.join(
        languages.map(
          (l) =>
            sql`(${sql.ref(`${table}.search_language`)} = ${sql.lit(l)} and ${vector(sql.ref(`${table}.tsv`), part)} @@ ${parse(l)})`,
        ),
        sql` or `,
      )})`,
    tsquery: (language) => perLanguage(language, parse),
    config: (language) => perLanguage(language, regconfig),
  };
}

/** A branch of the candidate set: matches of one access path, bounded on its own. */
type Candidates = ReturnType<typeof matchesIn>;

function matchesIn(db: Handle, parsed: ParsedQuery, workspaceId: string | undefined, part: MatchPart) {
  let q = db
    .selectFrom('document_search as s')
    .select([
      's.document_id as documentId',
      's.title as title',
      's.tsv as tsv',
      's.search_language as language',
    ])
    .where(parsed.matches('s', part));
  if (workspaceId !== undefined) q = q.where('s.workspace_id', '=', workspaceId);
  return q;
}

/**
 * The readable matches (of the whole row or of its title), at most `bound`, as two indexed paths rather than one
 * per-row predicate over every match (EXPLAIN at 100k documents: a user with 10 shared
 * documents searching a common word scanned the whole table, 184k buffers and ~800 ms;
 * as joins, 130 buffers and ~6 ms):
 * - explicit roles, driven by the user's `document_permissions` rows (skipping
 *   workspaces they administer, which the other path covers);
 * - per workspace the user administers (LATERAL: none costs nothing), where the planner
 *   picks the GIN bitmap or an early-stopping scan of the workspace.
 */
function readableMatches(
  db: Handle,
  parsed: ParsedQuery,
  query: SearchQuery,
  part: MatchPart,
  bound: number,
): Candidates {
  if (query.instanceAdmin) return matchesIn(db, parsed, query.workspaceId, part).limit(bound);
  const byRole = matchesIn(db, parsed, query.workspaceId, part)
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
    .limit(bound);
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
        matchesIn(db, parsed, undefined, part)
          .where('s.workspace_id', '=', sql.ref<string>('a.workspace_id'))
          .limit(bound)
          .as('w'),
      (join) => join.onTrue(),
    )
    .select(['w.documentId', 'w.title', 'w.tsv', 'w.language'])
    .limit(bound);
  return db
    .selectFrom(byRole.as('r'))
    .select(['r.documentId', 'r.title', 'r.tsv', 'r.language'])
    .unionAll(db.selectFrom(byWorkspace.as('w')).select(['w.documentId', 'w.title', 'w.tsv', 'w.language']))
    .limit(bound) as unknown as Candidates;
}

function rankedPage(db: Handle, query: SearchQuery, parsed: ParsedQuery) {
  const titles = readableMatches(db, parsed, query, 'title', TITLE_CANDIDATES);
  const any = readableMatches(db, parsed, query, 'any', SEARCH_CANDIDATES);
  const tsquery = parsed.tsquery(sql.ref('c.language'));
  return (
    db
      .with('candidates', () =>
        db
          .selectFrom(titles.as('t'))
          .selectAll()
          .unionAll(db.selectFrom(any.as('a')).selectAll()),
      )
      // A title match is usually among both sets: ranked once.
      .with('ranked', (qb) =>
        qb
          .selectFrom('candidates as c')
          .distinctOn('c.documentId')
          .select([
            'c.documentId',
            'c.title',
            sql<boolean>`ts_filter(c.tsv, '{a}') @@ ${tsquery}`.as('inTitle'),
            sql<number>`ts_rank_cd(c.tsv, ${tsquery})`.as('rank'),
          ])
          .orderBy('c.documentId'),
      )
      .with('hits', (qb) =>
        qb
          .selectFrom('ranked')
          .selectAll()
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
        sql<string>`ts_headline(${parsed.config(sql.ref('s.search_language'))}, translate(left(s.body, ${sql.lit(HEADLINE_SOURCE_CHARS)}), ${START_MARK + STOP_MARK}, ''), ${parsed.tsquery(sql.ref('s.search_language'))}, ${HEADLINE_OPTIONS})`.as(
          'snippet',
        ),
      ])
      .orderBy('hits.inTitle', 'desc')
      .orderBy('hits.rank', 'desc')
      .orderBy('hits.documentId')
  );
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
  // Built with the workspace's configuration as of this write (a reindex catches up rows
  // written just before a change; search reads each row with its own).
  const language = sql<SearchLanguage>`(select search_language from workspaces where id = ${entry.workspaceId})`;
  await db
    .insertInto('document_search')
    .values({
      document_id: entry.documentId,
      workspace_id: entry.workspaceId,
      title: entry.title,
      body,
      search_language: language,
      // The database's clock, like documents.updated_at: the search sweeper compares them.
      updated_at: sql`now()`,
    })
    .onConflict((oc) =>
      oc.column('document_id').doUpdateSet({
        title: entry.title,
        body,
        workspace_id: entry.workspaceId,
        search_language: language,
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
