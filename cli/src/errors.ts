import { isFolioError } from '@folio/shared';
import { ConfigError } from '@folio/shared/config';
import { LockedError } from '@folio/shared/db';

/** One line a person can act on, for any failure a command may meet. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.problems.join('; ');
  if (isFolioError(error) || error instanceof LockedError) return error.message;
  // pg reports a refused dual-stack connect as an AggregateError of per-address errors.
  if (error instanceof AggregateError && error.errors.length > 0) return describeFailure(error.errors[0]);
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  // Wrapped errors (a failed migration, say) are explained by their cause when it is a
  // connection problem.
  if (e instanceof Error && e.cause !== undefined) {
    const cause = describeFailure(e.cause);
    if (cause.startsWith('cannot reach') || cause.startsWith('database refused')) return cause;
  }
  if (
    e?.code === 'ECONNREFUSED' ||
    e?.code === 'ENOTFOUND' ||
    e?.code === 'ETIMEDOUT' ||
    e?.code === 'EHOSTUNREACH'
  ) {
    const where = e.address ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : '';
    return `cannot reach the database${where} (${e.code})`;
  }
  if (e?.code === '3D000' || e?.code === '28P01' || e?.code === '28000')
    return `database refused the connection: ${e.message}`;
  return e instanceof Error ? e.message : String(error);
}
