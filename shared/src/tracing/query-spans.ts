import type { LogEvent } from 'kysely';
import { databaseAttributes } from './semantic-conventions.js';
import type { Tracing } from './tracing.js';

/** Long enough to recognise a statement; values are never included (they are parameters). */
const MAX_SQL_CHARS = 2_000;

/**
 * A Kysely `log` callback that records one span per query, after the fact, from the
 * duration Kysely measured. Kysely calls it in the caller's async context, so the span
 * nests under the request or batch that ran the query. Queries outside any span
 * (background pollers, health probes, migrations) are not recorded: each would be a
 * trace of its own, every few hundred milliseconds. Undefined when tracing is off, so
 * that Kysely does not even time queries then.
 *
 * Named and described by OpenTelemetry's database conventions: `db.operation.name` and,
 * when the statement names one table, `db.collection.name` (span `SELECT documents`);
 * `db.namespace` and `server.*` from `url` (the embedded database: no server).
 */
export function querySpans(tracing: Tracing, url?: string): ((event: LogEvent) => void) | undefined {
  if (!tracing.enabled) return undefined;
  const connection = databaseAttributes(url);
  return (event) => {
    const sql = event.query.sql;
    const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
    const head = sql.slice(0, MAX_SQL_CHARS);
    const tables = new Set(
      [
        ...head.matchAll(
          /\b(?:from|into|update|join)\s+"?([a-z_][a-z0-9_]*)"?(?:\."?([a-z_][a-z0-9_]*)"?)?/gi,
        ),
      ].map((m) => m[2] ?? m[1]),
    );
    const collection = tables.size === 1 ? [...tables][0] : undefined;
    tracing.recordSpan(collection ? `${operation} ${collection}` : operation, {
      kind: 'client',
      childOnly: true,
      durationMs: event.queryDurationMillis,
      error: event.level === 'error' ? event.error : undefined,
      attributes: {
        ...connection,
        'db.operation.name': operation,
        'db.collection.name': collection,
        'db.query.text': sql.length > MAX_SQL_CHARS ? `${head}…` : sql,
        // the SQLSTATE when Postgres refused the statement
        'error.type':
          event.level === 'error'
            ? String((event.error as { code?: unknown })?.code ?? (event.error as Error)?.name ?? 'Error')
            : undefined,
      },
    });
  };
}
