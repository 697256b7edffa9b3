import { listApiTokens } from '../db/repositories/api-tokens.js';
import { appendAuditEvent, listAuditEventsOfUser } from '../db/repositories/audit.js';
import { listDocumentPermissionsOfUser } from '../db/repositories/document-permissions.js';
import { listOwnedDocuments } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { listSessionsOfUser } from '../db/repositories/sessions.js';
import { findUserById } from '../db/repositories/users.js';
import { listInvitationsOfUser } from '../db/repositories/workspace-invitations.js';
import { listWorkspacesOfUser } from '../db/repositories/workspaces.js';
import { documentJson, documentText } from '../documents/content.js';
import { FolioError } from '../errors.js';
import { presentApiToken } from './api-token-issuer.js';
import { documentStateLoader } from './document-state-loader.js';

/** Bounds of one export; `truncated` says when one was reached. */
export const EXPORT_LIMITS = { documents: 1_000, auditEntries: 50_000 } as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Everything Folio holds about a user (GDPR access / portability): profile, workspace
 * memberships, pending workspace invitations, document roles, the content of the documents they own (as plain text
 * and JSON per top-level type, like the content route), API tokens (never secrets),
 * sessions, and the audit entries by or about them. Audits `gdpr.export`.
 */
export async function userExporter(db: Handle, input: { userId: string; actorId: string | null }) {
  const user = await findUserById(db, input.userId);
  if (!user) throw new FolioError('NOT_FOUND', 'no such user', { field: 'userId' });
  const [memberships, invitations, permissions, owned, tokens, sessions, audit] = await Promise.all([
    listWorkspacesOfUser(db, user.id),
    // Every stored one, lapsed ones too: the export is what Folio holds.
    listInvitationsOfUser(db, user.id, new Date(0)),
    listDocumentPermissionsOfUser(db, user.id),
    listOwnedDocuments(db, user.id, EXPORT_LIMITS.documents + 1),
    listApiTokens(db, user.id),
    listSessionsOfUser(db, user.id),
    listAuditEventsOfUser(db, user.id, EXPORT_LIMITS.auditEntries + 1),
  ]);
  const documents = [];
  // One at a time: a loaded document's heap is about ten times its snapshot.
  for (const d of owned.slice(0, EXPORT_LIMITS.documents)) {
    const { doc } = await documentStateLoader(db, d.id);
    try {
      documents.push({
        id: d.id,
        title: d.title,
        workspaceId: d.workspaceId,
        createdBy: d.createdBy,
        createdAt: d.createdAt.toISOString(),
        updatedAt: d.updatedAt.toISOString(),
        content: { text: documentText(doc), json: documentJson(doc) },
      });
    } finally {
      doc.destroy();
    }
  }
  await appendAuditEvent(db, { actorId: input.actorId, action: 'gdpr.export', details: { userId: user.id } });
  return {
    exportedAt: new Date().toISOString(),
    profile: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      oidc: user.oidc_issuer ? { issuer: user.oidc_issuer, subject: user.oidc_subject } : null,
      createdAt: user.created_at.toISOString(),
      updatedAt: user.updated_at.toISOString(),
      erasedAt: iso(user.erased_at),
    },
    memberships: memberships.map((m) => ({
      workspaceId: m.id,
      name: m.name,
      role: m.role,
      personal: m.personal_user_id === user.id,
      createdAt: m.created_at.toISOString(),
    })),
    invitations: invitations.map((i) => ({
      ...i,
      createdAt: i.createdAt.toISOString(),
      expiresAt: i.expiresAt.toISOString(),
    })),
    permissions: permissions.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })),
    documents,
    apiTokens: tokens.map(presentApiToken),
    sessions: sessions.map((s) => ({
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
    })),
    auditEntries: audit.slice(0, EXPORT_LIMITS.auditEntries).map((e) => ({
      id: Number(e.id),
      at: e.at.toISOString(),
      actorId: e.actorId,
      action: e.action,
      documentId: e.documentId,
      workspaceId: e.workspaceId,
      details: e.details,
    })),
    truncated: {
      documents: owned.length > EXPORT_LIMITS.documents,
      auditEntries: audit.length > EXPORT_LIMITS.auditEntries,
    },
  };
}

export type UserExport = Awaited<ReturnType<typeof userExporter>>;
