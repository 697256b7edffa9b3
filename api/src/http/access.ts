import { type Action, can, type DocumentSubject, effectiveDocumentRole, FolioError } from '@folio/shared';
import { findDocumentAccess, findMembership, findWorkspace, type Handle, type Scope } from '@folio/shared/db';
import type { Principal } from './auth.js';

/**
 * Authorization for handlers, through the shared policy. Existence is only revealed to
 * those with some role: no role → 404; a role that does not allow the action (or a
 * token without the scope) → 403.
 */
export async function authorizeDocument(
  db: Handle,
  principal: Principal,
  documentId: string,
  action: Action,
) {
  const access = await findDocumentAccess(db, documentId, principal.userId);
  const subject: DocumentSubject = {
    kind: 'document',
    documentRole: access?.documentRole,
    workspaceRole: access?.workspaceRole,
  };
  if (!access || !effectiveDocumentRole(principal, subject)) {
    throw new FolioError('NOT_FOUND', 'document not found');
  }
  if (!can(principal, action, subject)) {
    throw new FolioError('FORBIDDEN', `not allowed: ${action}`);
  }
  return { access, subject };
}

export async function authorizeWorkspace(
  db: Handle,
  principal: Principal,
  workspaceId: string,
  action: Action,
) {
  const workspaceRole = await findMembership(db, workspaceId, principal.userId);
  if (!workspaceRole && principal.role !== 'admin') throw new FolioError('NOT_FOUND', 'workspace not found');
  // An instance admin needs no membership, but the workspace must exist: writing into
  // one that does not failed on its foreign key, a 500 (found by the REST fuzzer).
  if (!workspaceRole && !(await findWorkspace(db, workspaceId))) {
    throw new FolioError('NOT_FOUND', 'workspace not found');
  }
  if (!can(principal, action, { kind: 'workspace', workspaceRole })) {
    throw new FolioError('FORBIDDEN', `not allowed: ${action}`);
  }
  return workspaceRole;
}

/** For routes about the caller's own account, which the policy has no subject for. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (principal.scopes !== undefined && !principal.scopes.includes(scope)) {
    throw new FolioError('FORBIDDEN', `this token lacks the ${scope} scope`);
  }
}
