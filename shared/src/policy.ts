import type { DocumentRole, InstanceRole, Scope, WorkspaceRole } from './db/schema.js';

/**
 * The one permission policy: the API and the collaboration server both ask `can()`.
 * Pure: callers load the facts (see `findDocumentAccess`) and pass them in.
 */

export interface Actor {
  userId: string;
  role: InstanceRole;
  /** Token scopes; undefined for a browser session, which carries all of them. */
  scopes?: readonly Scope[] | undefined;
}

export interface DocumentSubject {
  kind: 'document';
  /** The actor's explicit role on the document, if any. */
  documentRole: DocumentRole | null | undefined;
  /** The actor's role in the document's workspace, if a member. */
  workspaceRole: WorkspaceRole | null | undefined;
}

export interface WorkspaceSubject {
  kind: 'workspace';
  workspaceRole: WorkspaceRole | null | undefined;
}

export interface InstanceSubject {
  kind: 'instance';
}

export type Subject = DocumentSubject | WorkspaceSubject | InstanceSubject;

export type DocumentAction =
  | 'document.read'
  | 'document.write'
  | 'document.share'
  | 'document.delete'
  | 'document.audit';
export type WorkspaceAction =
  | 'workspace.read'
  | 'workspace.write'
  | 'workspace.manage'
  | 'workspace.integrate';
export type InstanceAction = 'audit.read' | 'gdpr.erase' | 'gdpr.export' | 'user.manage';
export type Action = DocumentAction | WorkspaceAction | InstanceAction;

const rank: Record<DocumentRole, number> = { viewer: 1, editor: 2, owner: 3 };

/** What a role needs at least, and which token scope, per action. */
const documentRules: Record<DocumentAction, { role: DocumentRole; scope: Scope }> = {
  'document.read': { role: 'viewer', scope: 'read' },
  'document.write': { role: 'editor', scope: 'write' },
  'document.share': { role: 'owner', scope: 'write' },
  'document.delete': { role: 'owner', scope: 'write' },
  // Contract: an owner reading their document's audit entries is a read of that document.
  'document.audit': { role: 'owner', scope: 'read' },
};

const hasScope = (actor: Actor, scope: Scope) => actor.scopes === undefined || actor.scopes.includes(scope);

/**
 * The actor's effective role on a document: instance admins and workspace admins act as
 * owners; otherwise only an explicit permission counts. Workspace membership alone
 * grants nothing, and the compliance role never sees content.
 */
export function effectiveDocumentRole(actor: Actor, subject: DocumentSubject): DocumentRole | undefined {
  if (actor.role === 'admin' || subject.workspaceRole === 'admin') return 'owner';
  return subject.documentRole ?? undefined;
}

/** The effective role, narrowed by token scopes (a read-only token makes an editor a viewer). */
export function grantedDocumentRole(actor: Actor, subject: DocumentSubject): DocumentRole | undefined {
  const role = effectiveDocumentRole(actor, subject);
  if (!role || !hasScope(actor, 'read')) return undefined;
  if (rank[role] >= rank.editor && !hasScope(actor, 'write')) return 'viewer';
  return role;
}

export function can(actor: Actor, action: Action, subject: Subject): boolean {
  return refusal(actor, action, subject) === undefined;
}

/**
 * Why the actor may not do the action, in words that tell the caller what to change (a
 * role, or a token with another scope); undefined when it is allowed. `can()` is this.
 */
export function refusal(actor: Actor, action: Action, subject: Subject): string | undefined {
  const lacksScope = (scope: Scope) =>
    hasScope(actor, scope) ? undefined : `this token lacks the \`${scope}\` scope`;
  switch (subject.kind) {
    case 'document': {
      const rule = documentRules[action as DocumentAction];
      if (!rule) return `${action} is not an action on a document`;
      const role = effectiveDocumentRole(actor, subject);
      if (role === undefined || rank[role] < rank[rule.role]) {
        return `${action} needs the ${rule.role} role on this document (yours: ${role ?? 'none'})`;
      }
      return lacksScope(rule.scope);
    }
    case 'workspace': {
      const member = subject.workspaceRole != null || actor.role === 'admin';
      const admin = subject.workspaceRole === 'admin' || actor.role === 'admin';
      if (action === 'workspace.read') return member ? lacksScope('read') : 'not a member of this workspace';
      if (action === 'workspace.write')
        return member ? lacksScope('write') : 'not a member of this workspace';
      if (action === 'workspace.manage') {
        return admin ? lacksScope('write') : `${action} needs the admin role in this workspace`;
      }
      // Webhooks: where the workspace's events go is administration (scope `admin`).
      if (action === 'workspace.integrate') {
        return admin ? lacksScope('admin') : `${action} needs the admin role in this workspace`;
      }
      return `${action} is not an action on a workspace`;
    }
    case 'instance': {
      const roles =
        action === 'user.manage'
          ? ['admin']
          : action === 'audit.read' || action === 'gdpr.erase' || action === 'gdpr.export'
            ? ['admin', 'compliance']
            : [];
      if (!roles.includes(actor.role)) {
        return roles.length === 0
          ? `${action} is not an instance action`
          : `${action} needs the ${roles.join(' or ')} instance role (yours: ${actor.role})`;
      }
      return lacksScope('admin');
    }
  }
}

/**
 * Whether the actor may see every user's email and name. Otherwise only their own and
 * those of people they share a workspace with: there is no directory across tenants.
 * Instance admins and compliance officers work instance-wide (erasure, export, audit).
 */
export const seesEveryProfile = (actor: Actor): boolean =>
  actor.role === 'admin' || actor.role === 'compliance';
