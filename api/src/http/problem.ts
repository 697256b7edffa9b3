import { errorCodes, FolioError } from '@folio/shared';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The offending input field, for 400s. */
  field?: string;
  requestId?: string;
}

export function problem(c: Context, status: number, detail: string, extra: Partial<Problem> = {}): Response {
  const code = Object.entries(errorCodes).find(([, v]) => v.http === status)?.[0];
  const body: Problem = {
    type: code ? `https://folio.dev/problems/${code.toLowerCase().replaceAll('_', '-')}` : 'about:blank',
    title: code ? errorCodes[code as keyof typeof errorCodes].title : 'Error',
    status,
    detail,
    ...extra,
  };
  const requestId = c.get('requestId' as never) as string | undefined;
  if (requestId) body.requestId = requestId;
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  });
}

/** One error renderer: known errors keep their status, anything else is a bare 500. */
export function renderError(error: unknown, c: Context): Response {
  if (error instanceof FolioError) {
    if (error.code === 'UNAUTHENTICATED') c.header('WWW-Authenticate', 'Bearer realm="folio"');
    return problem(c, error.httpStatus, error.message, error.field ? { field: error.field } : {});
  }
  if (error instanceof HTTPException) {
    // Hono's JSON validator refuses other media types with its bare status text.
    if (error.status === 415 && /^unsupported media type$/i.test(error.message)) {
      return problem(c, 415, 'send the body as JSON, with Content-Type: application/json');
    }
    return problem(c, error.status, error.message || 'request failed');
  }
  if (refusedText(error)) {
    return problem(c, 400, 'text must not contain NUL (U+0000) characters');
  }
  const log = c.get('log' as never) as { error: (o: object, m: string) => void } | undefined;
  log?.error({ err: error }, 'unhandled error');
  return problem(c, 500, 'internal error');
}

/**
 * Postgres refuses U+0000 in text (SQLSTATE 22021, or 22P05 for a JSON escape): input
 * that every schema lets through as a string, so one check here instead of one per field
 * (found by the REST fuzzer: such a name or title was a 500). Nothing was written: the
 * statement failed and its transaction rolled back.
 */
function refusedText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
