import {
  claimErasureRequest,
  type ErasureRequestRow,
  finishErasureRequest,
} from '../db/repositories/erasure-requests.js';
import type { Handle } from '../db/repositories/handle.js';
import { isFolioError } from '../errors.js';
import { type ErasureReport, type UserEraserDeps, userEraser } from './user-eraser.js';

/** A running request whose worker has not finished it after this long is taken over. */
export const ERASURE_STALE_AFTER_MS = 10 * 60 * 1000;

/** Serialization failure and deadlock: the erasure's transaction rolled back and may simply be retried. */
const isTransient = (error: unknown) => ['40001', '40P01'].includes((error as { code?: string })?.code ?? '');
const ATTEMPTS = 3;

/** What a failed erasure records: a code-level message, never the input (it may be an email). */
const describeErasureFailure = (error: unknown) =>
  isFolioError(error) ? `${error.code}: ${error.message}` : 'internal error (see the server log)';

/**
 * Claims one request (that one, or the oldest claimable) and carries it out. Returns
 * undefined when there was nothing to claim — another worker has it, or it is finished.
 */
export async function erasureRequestRunner(
  db: Handle,
  deps: UserEraserDeps,
  options: { id?: string } = {},
): Promise<{ request: ErasureRequestRow; report?: ErasureReport; error?: string } | undefined> {
  const request = await claimErasureRequest(db, {
    ...(options.id !== undefined ? { id: options.id } : {}),
    staleAfterMs: ERASURE_STALE_AFTER_MS,
  });
  if (!request) return undefined;
  try {
    let report: ErasureReport | undefined;
    for (let attempt = 1; !report; attempt++) {
      try {
        report = await userEraser(
          db,
          { userId: request.user_id, actorId: request.requested_by, requestId: request.id },
          deps,
        );
      } catch (error) {
        if (!isTransient(error) || attempt >= ATTEMPTS) throw error;
        deps.log?.warn({ err: error, requestId: request.id, attempt }, 'erasure conflicted; retrying');
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    await finishErasureRequest(db, request.id, { status: 'done', report: { ...report } });
    return { request, report };
  } catch (error) {
    deps.log?.error({ err: error, requestId: request.id }, 'erasure failed');
    const message = describeErasureFailure(error);
    await finishErasureRequest(db, request.id, { status: 'failed', error: message });
    return { request, error: message };
  }
}
