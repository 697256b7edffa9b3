import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { type CollabEvent, createCollabBus } from '../collab-bus.js';
import { apiTokenIssuer } from '../commands/api-token-issuer.js';
import { documentStateLoader } from '../commands/document-state-loader.js';
import { userCreator } from '../commands/user-creator.js';
import { setDocumentPermission } from '../db/repositories/document-permissions.js';
import { insertDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { upsertWorkspaceMember } from '../db/repositories/workspace-members.js';
import { findPersonalWorkspace, insertWorkspace } from '../db/repositories/workspaces.js';
import type { DocumentRole, DocumentRow, InstanceRole, Scope, User, Workspace } from '../db/schema.js';
import { documentText } from '../documents/content.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';

/** Test factories: rows with sensible defaults, overridable per test. */

export async function buildUser(
  db: Handle,
  overrides: { name?: string; role?: InstanceRole; email?: string } = {},
): Promise<User> {
  return userCreator(db, {
    email: overrides.email ?? `user-${randomBytes(6).toString('hex')}@example.test`,
    name: overrides.name ?? 'Test User',
    role: overrides.role ?? 'member',
    actorId: null,
  });
}

/** A shared workspace with `admin` as its admin and `members` as plain members. */
export async function buildWorkspace(db: Handle, admin: User, members: User[] = []): Promise<Workspace> {
  const workspace = await insertWorkspace(db, { id: newId(), name: 'Test workspace', createdBy: admin.id });
  await upsertWorkspaceMember(db, workspace.id, admin.id, 'admin');
  for (const member of members) await upsertWorkspaceMember(db, workspace.id, member.id, 'member');
  return workspace;
}

/**
 * A document with an explicit owner permission, in the owner's personal workspace unless
 * another is given.
 */
export async function buildDocument(
  db: Handle,
  owner: User,
  overrides: { title?: string; id?: string; workspaceId?: string } = {},
): Promise<DocumentRow> {
  const workspaceId = overrides.workspaceId ?? (await findPersonalWorkspace(db, owner.id))?.id;
  if (!workspaceId) throw new Error('owner has no personal workspace');
  const doc = await insertDocument(db, {
    id: overrides.id ?? newId(),
    workspaceId,
    title: overrides.title ?? 'Test document',
    createdBy: owner.id,
  });
  await setDocumentPermission(db, doc.id, owner.id, 'owner', owner.id);
  return doc;
}

export async function grantDocumentRole(
  db: Handle,
  documentId: string,
  userId: string,
  role: DocumentRole,
): Promise<void> {
  await setDocumentPermission(db, documentId, userId, role, null);
}

export async function buildApiToken(db: Handle, user: User, scopes: Scope[] = ['read', 'write']) {
  return apiTokenIssuer(db, { userId: user.id, scopes, actorId: null });
}

/** The actions of a document's or a workspace's audit entries, oldest first. */
export async function auditActions(db: Handle, filter: { documentId?: string; workspaceId?: string }) {
  let q = db.selectFrom('audit_events').select('action');
  if (filter.documentId !== undefined) q = q.where('document_id', '=', filter.documentId);
  if (filter.workspaceId !== undefined) q = q.where('workspace_id', '=', filter.workspaceId);
  return (await q.orderBy('id').execute()).map((r) => r.action);
}

/** A Yjs update that inserts `text` into a fresh document's Y.Text `t`. */
export function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** The stored text of a document (snapshot plus log). */
export async function storedText(db: Handle, documentId: string): Promise<string> {
  const loaded = await documentStateLoader(db, documentId);
  try {
    return documentText(loaded.doc);
  } finally {
    loaded.doc.destroy();
  }
}

/** Postgres' clock, so "a time between two writes" never depends on this process's clock. */
export async function databaseNow(db: Handle): Promise<Date> {
  const row = await db
    .selectNoFrom((eb) => eb.fn<Date>('clock_timestamp', []).as('now'))
    .executeTakeFirstOrThrow();
  return row.now;
}

/** An in-process bus that records what is published on it. */
export function recordingBus() {
  const bus = createCollabBus({ prefix: 'test:', log: createLogger({ level: 'silent', name: 'test' }) });
  const seen: CollabEvent[] = [];
  void bus.subscribe((e) => seen.push(e));
  /** Lets the in-process delivery of what was published run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { bus, seen, settle };
}
