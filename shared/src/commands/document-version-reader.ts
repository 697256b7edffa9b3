import * as Y from 'yjs';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { findDocumentVersion } from '../db/repositories/document-versions.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';

/** A version's state as a document (the caller destroys it). */
export async function documentVersionLoader(
  db: Handle,
  input: { documentId: string; versionId: string },
): Promise<{ doc: Y.Doc; seq: number }> {
  const version = await findDocumentVersion(db, input.documentId, input.versionId);
  if (!version) throw new FolioError('NOT_FOUND', 'version not found', { field: 'versionId' });
  const doc = new Y.Doc();
  Y.applyUpdate(doc, version.snapshot);
  return { doc, seq: Number(version.seq) };
}

/** A REST read of a version's content, audited as `document.read` like the live content. */
export async function documentVersionReader(
  db: Handle,
  input: { documentId: string; workspaceId: string; versionId: string; actorId: string; format: string },
): Promise<{ doc: Y.Doc; seq: number }> {
  const loaded = await documentVersionLoader(db, input);
  await appendAuditEvent(db, {
    actorId: input.actorId,
    action: 'document.read',
    documentId: input.documentId,
    workspaceId: input.workspaceId,
    details: { format: input.format, versionId: input.versionId },
  });
  return loaded;
}
