import type { LogEvent } from 'kysely';
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
 */
export function querySpans(tracing: Tracing): ((event: LogEvent) => void) | undefined {
  if (!tracing.enabled) return undefined;
  return (event) => {
    const sql = event.query.sql;
    const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
    tracing.recordSpan(operation, {
      kind: 'client',
      childOnly: true,
      durationMs: event.queryDurationMillis,
      error: event.level === 'error' ? event.error : undefined,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        'db.query.text': sql.length > MAX_SQL_CHARS ? `${sql.slice(0, MAX_SQL_CHARS)}…` : sql,
      },
    });
  };
}
