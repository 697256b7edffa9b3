/**
 * Text search configurations a workspace may choose (`search_language`): the ones
 * Postgres 15 ships built in, which the embedded PGlite has too. The migration
 * `2026-12-08T0205_workspace_search_language` holds the same list in a CHECK and in the
 * generated `tsv` expression; a new name needs a migration as well as this line.
 * `simple` lowercases without stemming or stop words: for mixed-language workspaces.
 */
export const SEARCH_LANGUAGES = [
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
] as const;

export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];
