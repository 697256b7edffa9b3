import * as Y from 'yjs';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { listDocumentUpdatesUntil } from '../db/repositories/document-updates.js';
import {
  findDocumentVersion,
  findSnapshotBefore,
  insertDocumentVersion,
} from '../db/repositories/document-versions.js';
import { findDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import { documentStateLoader, EMPTY_HORIZON } from './document-state-loader.js';

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

const PAGE = 2_000;

/**
 * The document as it was at `at`: the latest snapshot taken by then (a version or the
 * compacted state), plus every update-log row committed by then, replayed in order; from
 * an empty document when there is no such snapshot.
 *
 * This needs the update log. Stored snapshots are encoded with Yjs garbage collection,
 * which drops the content of deleted items, so a `Y.snapshot` of the current state
 * cannot show text that has since been deleted; the log rows still carry it.
 */
export async function documentStateAt(
  db: Handle,
  documentId: string,
  at: Date,
): Promise<{ doc: Y.Doc; seq: number; coversXid: string }> {
  const doc = new Y.Doc();
  const base = await findSnapshotBefore(db, documentId, at);
  let seq = 0;
  if (base) {
    Y.applyUpdate(doc, base.snapshot);
    seq = base.seq;
  }
  // The rows the base may lack (xid at or above its horizon): a row that committed after
  // a later-numbered one is still read, whatever seq the base reached.
  const xid = base?.coversXid ?? EMPTY_HORIZON;
  let after: { xid: string; seq: number } | undefined;
  for (;;) {
    const rows = await listDocumentUpdatesUntil(
      db,
      documentId,
      { xid, ...(after ? { after } : {}) },
      at,
      PAGE,
    );
    doc.transact(() => {
      for (const row of rows) Y.applyUpdate(doc, row.update);
    });
    const last = rows.at(-1);
    if (last) {
      after = { xid: last.xid, seq: Number(last.seq) };
      for (const row of rows) seq = Math.max(seq, Number(row.seq));
    }
    if (rows.length < PAGE) break;
  }
  // Every row below the base's horizon is in the base, hence in the result.
  return { doc, seq, coversXid: xid };
}
