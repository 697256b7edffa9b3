import { appendAuditEvent } from '../db/repositories/audit.js';
import {
  claimErasureRequest,
  type ErasureRequestRow,
  findOpenErasureRequest,
  finishErasureRequest,
  insertErasureRequest,
} from '../db/repositories/erasure-requests.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { findUserByEmail, findUserById } from '../db/repositories/users.js';
import { FolioError, isFolioError } from '../errors.js';
import { newId } from '../ids.js';
import { assertNotLastAdmin, type ErasureReport, type UserEraserDeps, userEraser } from './user-eraser.js';

/** A running request whose worker has not finished it after this long is taken over. */
export const ERASURE_STALE_AFTER_MS = 10 * 60 * 1000;

/**
 * Records a request to erase a user (by id or email), to be carried out by a worker.
 * Asking again while one is pending or running returns that one. Audits
 * `gdpr.erase.request` (ids only).
 */
export async function erasureRequester(
  db: Handle,
  input: { target: { userId: string } | { email: string }; actorId: string | null },
): Promise<{ request: ErasureRequestRow; created: boolean }> {
  return inTransaction(db, async (trx) => {
    const user =
      'email' in input.target
        ? await findUserByEmail(trx, input.target.email)
        : await findUserById(trx, input.target.userId);
    const field = 'email' in input.target ? 'email' : 'userId';
    if (!user) throw new FolioError('NOT_FOUND', 'no such user', { field });
    if (user.erased_at) throw new FolioError('CONFLICT', 'that user has already been erased', { field });
    // Refused up front (409) rather than failing later in the worker; the eraser checks again.
    await assertNotLastAdmin(trx, user, field);
    const open = await findOpenErasureRequest(trx, user.id);
    if (open) return { request: open, created: false };
    const request = await insertErasureRequest(trx, {
      id: newId(),
      userId: user.id,
      requestedBy: input.actorId,
    });
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'gdpr.erase.request',
      details: { userId: user.id, requestId: request.id },
    });
    return { request, created: true };
  });
}

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
