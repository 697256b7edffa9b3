import * as Y from 'yjs';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type AttributedUpdate, listAttributedUpdates } from '../db/repositories/document-updates.js';
import { findDocumentVersion } from '../db/repositories/document-versions.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { type DocumentStateName, parseEtag, rebuildNamedState } from './document-etag.js';
import { documentStateAt } from './document-state-at.js';

/** One end of a diff: a content ETag, a version id, an instant, or the live document. */
export type DiffEnd = DocumentStateName | { kind: 'time'; at: Date } | { kind: 'live' };

export interface DiffChange {
  op: 'insert' | 'delete';
  text: string;
  actorId: string | null;
  agent: string | null;
  at: string;
}

/** Log rows one diff replays at most (a longer range: 400, narrow it). */
export const DIFF_MAX_ROWS = 100_000;

const PAGE = 2_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `?from=` / `?to=` as a diff end; `field` names the parameter in a 400. */
export function parseDiffEnd(value: string, field: string): DiffEnd {
  const text = value.trim();
  if (text === 'live') return { kind: 'live' };
  const bare = text.replace(/^"|"$/g, '');
  if (/^[sv]\./.test(bare)) {
    const name = parseEtag(`"${bare}"`);
    if (name) return name;
  } else if (UUID.test(bare)) {
    return { kind: 'version', versionId: bare.toLowerCase() };
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(bare) && !Number.isNaN(Date.parse(bare))) {
    return { kind: 'time', at: new Date(bare) };
  }
  throw new FolioError('BAD_REQUEST', `${field}: give a content ETag, a version id, an ISO time or live`, {
    field,
  });
}

const badEnd = (field: string) => (message: string) =>
  new FolioError('BAD_REQUEST', `${field}: ${message}`, { field });

/** The state `from` names, and a horizon below which every log row is in it. */
async function startState(
  db: Handle,
  documentId: string,
  from: DiffEnd,
): Promise<{ doc: Y.Doc; horizon: string }> {
  switch (from.kind) {
    case 'state':
      return {
        doc: await rebuildNamedState(db, documentId, from, badEnd('from')),
        horizon: from.seen.split(':')[0] as string,
      };
    case 'version': {
      const version = await findDocumentVersion(db, documentId, from.versionId);
      if (!version) throw new FolioError('NOT_FOUND', 'version not found', { field: 'from' });
      const doc = new Y.Doc({ gc: false });
      Y.applyUpdate(doc, version.snapshot);
      return { doc, horizon: version.covers_xid };
    }
    case 'time': {
      const { doc, coversXid } = await documentStateAt(db, documentId, from.at);
      return { doc, horizon: coversXid };
    }
    case 'live':
      throw new FolioError('BAD_REQUEST', 'from: live is only an end, not a start', { field: 'from' });
  }
}

/** Which log rows lead to `to`, and a version snapshot to apply last (versions only). */
async function endRows(
  db: Handle,
  documentId: string,
  to: DiffEnd,
): Promise<{ visibleIn?: string; until?: Date; snapshot?: Uint8Array }> {
  switch (to.kind) {
    case 'live':
      return {};
    case 'state':
      return { visibleIn: to.seen };
    case 'time':
      return { until: to.at };
    case 'version': {
      const version = await findDocumentVersion(db, documentId, to.versionId);
      if (!version) throw new FolioError('NOT_FOUND', 'version not found', { field: 'to' });
      return { until: version.created_at, snapshot: version.snapshot };
    }
  }
}

function describeEnd(end: DiffEnd): string {
  switch (end.kind) {
    case 'state':
      return `etag s.${end.coversXid}.${end.seen}`;
    case 'version':
      return `version ${end.versionId}`;
    case 'time':
      return end.at.toISOString();
    case 'live':
      return 'live';
  }
}

/** Clock ranges per client, each attributed to the log row that made them, for lookups. */
class RangeIndex {
  private readonly ranges = new Map<number, { start: number[]; end: number[]; row: number[] }>();

  add(client: number, start: number, end: number, row: number): void {
    let ranges = this.ranges.get(client);
    if (!ranges) {
      ranges = { start: [], end: [], row: [] };
      this.ranges.set(client, ranges);
    }
    ranges.start.push(start);
    ranges.end.push(end);
    ranges.row.push(row);
  }

  /** Sorts each client's ranges by start (they never overlap: Yjs applies a clock once). */
  seal(): void {
    for (const ranges of this.ranges.values()) {
      const order = ranges.start
        .map((_, i) => i)
        .sort((a, b) => (ranges.start[a] as number) - (ranges.start[b] as number));
      ranges.start = order.map((i) => ranges.start[i] as number);
      ranges.end = order.map((i) => ranges.end[i] as number);
      ranges.row = order.map((i) => ranges.row[i] as number);
    }
  }

  find(client: number, clock: number): number | undefined {
    const ranges = this.ranges.get(client);
    if (!ranges) return undefined;
    let low = 0;
    let high = ranges.start.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((ranges.start[mid] as number) > clock) high = mid - 1;
      else if ((ranges.end[mid] as number) <= clock) low = mid + 1;
      else return ranges.row[mid];
    }
    return undefined;
  }
}

/**
 * `GET /v1/documents/:id/diff`: what changed between two states, as inserted and deleted
 * text in document order, each run attributed to the user (and agent) whose log row made
 * it, built from the attributed update log.
 *
 * How: the start state is built (exactly, for an ETag); a copy of it without garbage
 * collection, so deleted text keeps its characters, gets every log row of the range
 * applied one at a time, and each row's transaction says which item clocks it added
 * (state vector before and after) and which it deleted (its delete set) — the first row
 * to add or delete something is the one that did, however often clients resent it.
 * Then every character of the end state's text, deleted or not, is walked in document
 * order: present at the end but not at the start is an insert, the other way round a
 * delete; consecutive characters of one row make one change.
 *
 * It shows content, so it is audited as a `document.read` (format `diff`).
 */
export async function documentDiffer(
  db: Handle,
  input: { documentId: string; workspaceId: string; actorId: string; from: DiffEnd; to: DiffEnd },
): Promise<{ changes: DiffChange[] }> {
  if (input.from.kind === 'time' && input.to.kind === 'time' && input.to.at < input.from.at) {
    throw new FolioError('BAD_REQUEST', 'to: must not be before from', { field: 'to' });
  }
  const start = await startState(db, input.documentId, input.from);
  const end = new Y.Doc({ gc: false });
  try {
    const before = Y.decodeStateVector(Y.encodeStateVector(start.doc));
    const deletedBefore = Y.createDeleteSetFromStructStore(start.doc.store);
    Y.applyUpdate(end, Y.encodeStateAsUpdate(start.doc));
    const selection = await endRows(db, input.documentId, input.to);

    const rows: AttributedUpdate[] = [];
    const inserted = new RangeIndex();
    const deleted = new RangeIndex();
    let current = -1;
    end.on('afterTransaction', (transaction: Y.Transaction) => {
      if (current < 0) return;
      for (const [client, clock] of transaction.afterState) {
        const from = transaction.beforeState.get(client) ?? 0;
        if (clock > from) inserted.add(client, from, clock, current);
      }
      for (const [client, items] of transaction.deleteSet.clients) {
        for (const item of items) deleted.add(client, item.clock, item.clock + item.len, current);
      }
    });
    let after: { xid: string; seq: number } | undefined;
    for (;;) {
      const page = await listAttributedUpdates(
        db,
        input.documentId,
        { xid: start.horizon, after, visibleIn: selection.visibleIn, until: selection.until },
        PAGE,
      );
      if (rows.length + page.length > DIFF_MAX_ROWS) {
        throw new FolioError(
          'BAD_REQUEST',
          `from: the range spans more than ${DIFF_MAX_ROWS} edits; narrow it`,
          {
            field: 'from',
          },
        );
      }
      for (const row of page) {
        current = rows.push(row) - 1;
        Y.applyUpdate(end, row.update);
      }
      const last = page.at(-1);
      if (last) after = { xid: last.xid, seq: last.seq };
      if (page.length < PAGE) break;
    }
    current = -1;
    if (selection.snapshot) Y.applyUpdate(end, selection.snapshot);
    inserted.seal();
    deleted.seal();

    const changes: DiffChange[] = [];
    let open: (DiffChange & { row: number | undefined }) | undefined;
    const close = () => {
      if (open) {
        const { row: _row, ...change } = open;
        changes.push(change);
      }
      open = undefined;
    };
    const emit = (op: 'insert' | 'delete', char: string, row: number | undefined) => {
      if (open && open.op === op && open.row === row) {
        open.text += char;
        return;
      }
      close();
      const made = row === undefined ? undefined : rows[row];
      open = {
        op,
        text: char,
        actorId: made?.actorId ?? null,
        agent: made?.agent ?? null,
        at: (made?.createdAt ?? new Date(0)).toISOString(),
        row,
      };
    };
    const walk = (type: Y.AbstractType<any>) => {
      for (let item = type._start; item !== null; item = item.right) {
        const content = item.content;
        if (content instanceof Y.ContentType) {
          close();
          walk(content.type as Y.AbstractType<any>);
          close();
          continue;
        }
        // Formatting marks and embeds carry no text.
        if (!(content instanceof Y.ContentString)) continue;
        const { client, clock } = item.id;
        const known = before.get(client) ?? 0;
        // Fast paths: untouched text, and text added and removed within the range.
        if (!item.deleted && clock + item.length <= known) {
          close();
          continue;
        }
        if (item.deleted && clock >= known) continue;
        for (let i = 0; i < item.length; i++) {
          const id = Y.createID(client, clock + i);
          const atStart = clock + i < known && !Y.isDeleted(deletedBefore, id);
          const atEnd = !item.deleted;
          if (atEnd && !atStart) emit('insert', content.str[i] as string, inserted.find(client, clock + i));
          else if (atStart && !atEnd)
            emit('delete', content.str[i] as string, deleted.find(client, clock + i));
          else if (atStart) close();
        }
      }
    };
    for (const name of [...end.share.keys()].sort()) {
      const root = end.share.get(name);
      if (root) walk(root);
      close();
    }
    await appendAuditEvent(db, {
      actorId: input.actorId,
      action: 'document.read',
      documentId: input.documentId,
      workspaceId: input.workspaceId,
      details: { format: 'diff', from: describeEnd(input.from), to: describeEnd(input.to) },
    });
    return { changes };
  } finally {
    start.doc.destroy();
    end.destroy();
  }
}
