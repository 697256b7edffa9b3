import * as Y from 'yjs';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { insertDocumentVersion } from '../db/repositories/document-versions.js';
import { findDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import { documentStateLoader } from './document-state-loader.js';

export interface CreatedVersion {
  id: string;
  label: string | null;
  kind: 'manual' | 'auto' | 'restore';
  seq: number;
  createdBy: string | null;
  createdAt: Date;
  bytes: number;
}

/**
 * A named version: the stored state now (snapshot plus log, i.e. every acknowledged
 * edit), encoded and kept beside the update-log position it covers. Audited as
 * `document.version`.
 */
export async function documentVersionCreator(
  db: Handle,
  input: { documentId: string; actorId: string | null; label: string | null; kind?: 'manual' | 'restore' },
): Promise<CreatedVersion> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const loaded = await documentStateLoader(db, input.documentId);
  try {
    return await keepDocumentVersion(db, {
      ...input,
      workspaceId: document.workspace_id,
      snapshot: Y.encodeStateAsUpdate(loaded.doc),
      seq: loaded.seq,
      coversXid: loaded.horizon,
    });
  } finally {
    loaded.doc.destroy();
  }
}

/**
 * Stores an encoded state the caller already holds as a version, and audits it as
 * `document.version` (a restore keeps the state it loaded, in its own transaction).
 */
export async function keepDocumentVersion(
  db: Handle,
  input: {
    documentId: string;
    workspaceId: string;
    actorId: string | null;
    label: string | null;
    kind?: 'manual' | 'restore' | undefined;
    snapshot: Uint8Array;
    seq: number;
    coversXid: string;
  },
): Promise<CreatedVersion> {
  const row = await insertDocumentVersion(db, {
    id: newId(),
    documentId: input.documentId,
    label: input.label,
    kind: input.kind ?? 'manual',
    snapshot: input.snapshot,
    seq: input.seq,
    coversXid: input.coversXid,
    createdBy: input.actorId,
  });
  await appendAuditEvent(db, {
    actorId: input.actorId,
    action: 'document.version',
    documentId: input.documentId,
    workspaceId: input.workspaceId,
    details: { versionId: row.id, kind: row.kind, seq: input.seq, bytes: input.snapshot.byteLength },
  });
  return {
    id: row.id,
    label: row.label,
    kind: row.kind,
    seq: Number(row.seq),
    createdBy: row.created_by,
    createdAt: row.created_at,
    bytes: input.snapshot.byteLength,
  };
}
