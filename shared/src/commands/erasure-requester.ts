import { appendAuditEvent } from '../db/repositories/audit.js';
import {
  type ErasureRequestRow,
  findOpenErasureRequest,
  insertErasureRequest,
} from '../db/repositories/erasure-requests.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { findUserByEmail, findUserById } from '../db/repositories/users.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import { assertNotLastAdmin } from './user-eraser.js';

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
