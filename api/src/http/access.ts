import {
  type Action,
  type DocumentSubject,
  effectiveDocumentRole,
  FolioError,
  refusal,
  type Subject,
} from '@folio/shared';
import { findDocumentAccess, findMembership, findWorkspace, type Handle, type Scope } from '@folio/shared/db';
import type { Principal } from './env.js';

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
  forbidUnless(principal, action, subject);
  return { access, subject };
}

export async function authorizeWorkspace(
  db: Handle,
  principal: Principal,
  workspaceId: string,
  action: Action,
) {
  const workspaceRole = await findMembership(db, workspaceId, principal.userId);
  // An instance admin acts in every workspace, but only in ones that exist.
  if (!workspaceRole && (principal.role !== 'admin' || !(await findWorkspace(db, workspaceId)))) {
    throw new FolioError('NOT_FOUND', 'workspace not found', { field: 'workspaceId' });
  }
  forbidUnless(principal, action, { kind: 'workspace', workspaceRole });
  return workspaceRole;
}

/** 403 with the policy's reason (the role or the token scope that is missing) unless allowed. */
export function forbidUnless(
  principal: Principal,
  action: Action,
  subject: Subject,
  options: { field?: string } = {},
): void {
  const reason = refusal(principal, action, subject);
  if (reason !== undefined) throw new FolioError('FORBIDDEN', reason, options);
}

/** For routes about the caller's own account, which the policy has no subject for. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (principal.scopes !== undefined && !principal.scopes.includes(scope)) {
    throw new FolioError('FORBIDDEN', `this token lacks the \`${scope}\` scope`);
  }
}
