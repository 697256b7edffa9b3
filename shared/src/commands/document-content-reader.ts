import { appendAuditEvent } from '../db/repositories/audit.js';
import type { Handle } from '../db/repositories/handle.js';
import { documentStateLoader, type LoadedDocumentState } from './document-state-loader.js';

/**
 * A REST read of the content: the durable state (what was acknowledged), audited as
 * `document.read` with the format asked for. The caller destroys the returned document.
 */
export async function documentContentReader(
  db: Handle,
  input: { documentId: string; workspaceId: string; actorId: string; format: string },
): Promise<LoadedDocumentState> {
  const loaded = await documentStateLoader(db, input.documentId);
  try {
    await appendAuditEvent(db, {
      actorId: input.actorId,
      action: 'document.read',
      documentId: input.documentId,
      workspaceId: input.workspaceId,
      details: { format: input.format },
    });
  } catch (error) {
    loaded.doc.destroy();
    throw error;
  }
  return loaded;
}
