// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * The text search configurations a workspace may choose: those every supported server
 * ships (Postgres 15's built-in list; PGlite has these and more). `simple` only lowercases,
 * for mixed-language workspaces.
 */
const LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
  'yiddish',
];

/**
 * Text search configuration per workspace.
 *
 * - `workspaces.search_language`: the configuration new search rows are built with.
 * - `workspaces.search_languages`: every configuration rows of the workspace may still
 *   carry — the chosen one, plus old ones while a reindex runs. Queries parse the user's
 *   text once per configuration listed here, so a half-reindexed workspace is searched
 *   correctly; the reindex job narrows it when no row is left behind.
 * - `document_search.search_language`: the row's own configuration. `tsv` is generated
 *   from it through a CASE over the allowed names: each `'x'::regconfig` is a constant, so
 *   the expression stays immutable (a `text::regconfig` cast is not, and a `regconfig`
 *   column would block pg_upgrade). The column is rebuilt: Postgres 15 cannot change a
 *   generated expression in place.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const allowed = sql.join(LANGUAGES.map((l) => sql.lit(l)));
  await db.schema
    .alterTable('workspaces')
    .addColumn('search_language', 'text', (c) =>
      c.notNull().defaultTo('english').check(sql`search_language in (${allowed})`),
    )
    .addColumn('search_languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{english}'::text[]`))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addCheckConstraint(
      'workspaces_search_languages_check',
      sql`search_languages <@ array[${allowed}]::text[] and search_language = any(search_languages)`,
    )
    .execute();

  const config = sql.raw(
    `case search_language ${LANGUAGES.map((l) => `when '${l}' then '${l}'::regconfig`).join(' ')} end`,
  );
  await db.schema
    .alterTable('document_search')
    .addColumn('search_language', 'text', (c) =>
      c.notNull().defaultTo('english').check(sql`search_language in (${allowed})`),
    )
    .execute();
  await sql`drop index document_search_tsv_idx`.execute(db);
  await db.schema.alterTable('document_search').dropColumn('tsv').execute();
  await db.schema
    .alterTable('document_search')
    .addColumn('tsv', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector(${config}, title), 'A') || setweight(to_tsvector(${config}, body), 'B')`,
        )
        .stored(),
    )
    .execute();
  // As 2026-12-02T1810_search_tsv_inline: tsv stays in the row, the body goes out of line first.
  await sql`alter table document_search alter column tsv set storage main`.execute(db);
  await sql`create index document_search_tsv_idx on document_search using gin (tsv)`.execute(db);
  // Title matches (the weight-A lexemes) found without scanning body matches: search ranks
  // them first, and takes a bounded number of each kind.
  await sql`create index document_search_title_idx on document_search using gin (ts_filter(tsv, '{a}'))`.execute(
    db,
  );
  // The reindex walks a workspace's rows in document_id order, a batch at a time.
  await db.schema
    .createIndex('document_search_workspace_document_idx')
    .on('document_search')
    .columns(['workspace_id', 'document_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('document_search_workspace_document_idx').execute();
  await db.schema.dropIndex('document_search_title_idx').execute();
  await sql`drop index document_search_tsv_idx`.execute(db);
  await db.schema.alterTable('document_search').dropColumn('tsv').execute();
  await db.schema.alterTable('document_search').dropColumn('search_language').execute();
  await db.schema
    .alterTable('document_search')
    .addColumn('tsv', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')`,
        )
        .stored(),
    )
    .execute();
  await sql`alter table document_search alter column tsv set storage main`.execute(db);
  await sql`create index document_search_tsv_idx on document_search using gin (tsv)`.execute(db);
  await db.schema
    .alterTable('workspaces')
    .dropColumn('search_languages')
    .dropColumn('search_language')
    .execute();
}
