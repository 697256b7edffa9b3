/**
 * Replays recorded editing traces keystroke by keystroke through real Hocuspocus providers
 * (run inside a client process, see client-worker.ts): each keystroke transaction is one
 * Yjs update, sent as soon as fewer than `maxInFlight` of the client's updates await the
 * server's acknowledgement (the provider's unsyncedChanges, counted down by SyncStatus).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as Y from 'yjs';
import { BenchClient, type ClientSpec, clock } from './bench-client.js';

export type TraceName = 'automerge-paper' | 'friendsforever';

interface TraceFile {
  endContent: string;
  numAgents?: number;
  txns: { patches: [number, number, string][]; agent?: number; parents?: number[] }[];
}

export function readTrace(name: TraceName): TraceFile {
  const path =
    name === 'automerge-paper' && process.env.BENCH_TRACE
      ? process.env.BENCH_TRACE
      : join(import.meta.dirname, `../traces/${name}.json.gz`);
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as TraceFile;
}

/** Applies one transaction's patches like Array.splice (the traces are ASCII: code points = UTF-16). */
function applyPatches(text: Y.Text, patches: [number, number, string][]): void {
  for (const [position, deleteCount, insert] of patches) {
    if (deleteCount > 0) text.delete(position, deleteCount);
    if (insert.length > 0) text.insert(position, insert);
  }
}

export interface ReplayOutcome {
  /** Keystroke transactions in the replayed range (all of the trace, or the first `limit`). */
  keystrokes: number;
  /** Acknowledged by the server when the replay finished or was cut off. */
  acknowledged: number;
  /** From the first send until the last acknowledgement (or the time cap). */
  elapsedMs: number;
  /** Sockets closed by the server after sync, over all writers. */
  closes: number;
  /** Why the texts are not exact; undefined when every client holds the expected text. */
  mismatch: string | undefined;
  /** Characters of the expected final text. */
  textLength: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function synced(client: BenchClient, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.synced,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what}: not synced within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Waits until every client's text is `expected` (or `ms` passed); describes the first difference. */
async function checkTexts(clients: [string, BenchClient][], expected: string, ms: number) {
  const deadline = clock() + ms;
  while (clients.some(([, c]) => c.text.toString() !== expected) && clock() < deadline) await sleep(50);
  for (const [who, client] of clients) {
    const actual = client.text.toString();
    if (actual === expected) continue;
    let at = 0;
    while (at < actual.length && actual[at] === expected[at]) at++;
    return `${who} holds ${actual.length} characters, expected ${expected.length}; first difference at ${at}`;
  }
  return undefined;
}

/** The send loop of one writer: `updates[i]` once `ready(i)` and the window has room. */
async function pump(
  writer: BenchClient,
  count: number,
  send: (i: number) => void,
  options: { maxInFlight: number; deadline: number; ready?: (i: number) => boolean },
): Promise<number> {
  for (let i = 0; i < count; i++) {
    while (writer.unacknowledged >= options.maxInFlight || !(options.ready?.(i) ?? true)) {
      if (clock() >= options.deadline) return i;
      await writer.nextChange(20);
    }
    if (clock() >= options.deadline) return i;
    send(i);
  }
  return count;
}

/** Waits (at most until `deadline`) for the writers' outstanding acknowledgements. */
async function drain(writers: BenchClient[], deadline: number): Promise<number> {
  while (writers.some((w) => w.unacknowledged > 0) && clock() < deadline) await sleep(5);
  return clock();
}

/**
 * One author: the first `limit` transactions of `automerge-paper` typed into one provider;
 * then a second client, connected afterwards to `readerUrl`, must hold the same text.
 */
export async function replayOneAuthor(command: {
  writer: ClientSpec;
  readerUrl: string;
  limit: number;
  maxInFlight: number;
  timeCapMs: number;
}): Promise<ReplayOutcome> {
  const trace = readTrace('automerge-paper');
  const txns = trace.txns.slice(0, command.limit);
  const writer = new BenchClient(command.writer);
  let reader: BenchClient | undefined;
  try {
    await synced(writer, 15_000, 'replaying client');
    const startedAt = clock();
    const deadline = startedAt + command.timeCapMs;
    const sent = await pump(
      writer,
      txns.length,
      (i) => writer.doc.transact(() => applyPatches(writer.text, txns[i]?.patches ?? [])),
      { maxInFlight: command.maxInFlight, deadline },
    );
    const finishedAt = await drain([writer], sent < txns.length ? clock() : deadline);
    const acknowledged = sent - writer.unacknowledged;
    // Cut off or not, what was sent is then checked once acknowledged (bounded wait).
    await drain([writer], clock() + Math.min(10_000, command.timeCapMs));
    const local = writer.text.toString();
    const complete = sent === trace.txns.length;
    // A cut-off replay is checked against the prefix the writer sent.
    const expected = complete ? trace.endContent : local;
    let mismatch =
      complete && local !== trace.endContent
        ? 'replaying the trace locally did not reproduce its endContent'
        : undefined;
    if (!mismatch && writer.unacknowledged === 0) {
      reader = new BenchClient({ ...command.writer, url: command.readerUrl });
      await synced(reader, 15_000, 'verifying client');
      mismatch = await checkTexts([['the second client', reader]], expected, 10_000);
    }
    return {
      keystrokes: txns.length,
      acknowledged,
      elapsedMs: Math.min(finishedAt, deadline) - startedAt,
      closes: writer.closes,
      mismatch,
      textLength: expected.length,
    };
  } finally {
    writer.destroy();
    reader?.destroy();
  }
}

interface TwoAuthorTxn {
  agent: number;
  update: Uint8Array;
  /** The other agent's clock that this transaction was typed on top of (what its author saw). */
  needsOther: number;
}

/**
 * Records `friendsforever`'s first `limit` transactions as Yjs updates, one Y.Doc per
 * agent: before an agent's transaction its document gets the updates of every ancestor it
 * has not seen, in index order. Agent 0's client id is the lower one: concurrent inserts at
 * one position are ordered by client id, and the trace's endContent assumes that order.
 */
export function recordTwoAuthors(limit: number): { txns: TwoAuthorTxn[]; endContent: string } {
  const trace = readTrace('friendsforever');
  const source = trace.txns.slice(0, limit);
  const docs = [new Y.Doc(), new Y.Doc()];
  docs.forEach((doc, agent) => {
    doc.clientID = agent + 1;
  });
  const seen = docs.map(() => new Set<number>());
  const txns: TwoAuthorTxn[] = [];
  const updates: Uint8Array[] = [];
  for (const [index, txn] of source.entries()) {
    const agent = txn.agent ?? 0;
    const doc = docs[agent] as Y.Doc;
    const known = seen[agent] as Set<number>;
    // An applied transaction's ancestors were applied before it: stop at known ones.
    const missing: number[] = [];
    const stack = [...(txn.parents ?? [])];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      if (known.has(p)) continue;
      known.add(p);
      missing.push(p);
      stack.push(...(source[p]?.parents ?? []));
    }
    for (const p of missing.sort((a, b) => a - b)) Y.applyUpdate(doc, updates[p] as Uint8Array);
    const needsOther = Y.getState(doc.store, 2 - agent);
    const before = Y.encodeStateVector(doc);
    doc.transact(() => applyPatches(doc.getText('text'), txn.patches));
    const update = Y.encodeStateAsUpdate(doc, before);
    known.add(index);
    updates.push(update);
    txns.push({ agent, update, needsOther });
  }
  const merged = new Y.Doc();
  for (const update of updates) Y.applyUpdate(merged, update);
  const endContent = merged.getText('text').toString();
  if (limit >= trace.txns.length && endContent !== trace.endContent) {
    throw new Error('replaying friendsforever did not reproduce its endContent');
  }
  for (const doc of [...docs, merged]) doc.destroy();
  return { txns, endContent };
}

/**
 * Two authors: agent a's transactions through a provider on `urls[a]`, each sent once its
 * author has received what the author had seen when typing it; both texts must end exact.
 */
export async function replayTwoAuthors(command: {
  writers: [ClientSpec, ClientSpec];
  limit: number;
  maxInFlight: number;
  timeCapMs: number;
}): Promise<ReplayOutcome> {
  const { txns, endContent } = recordTwoAuthors(command.limit);
  const writers = command.writers.map((spec) => new BenchClient(spec));
  try {
    await Promise.all(writers.map((w, a) => synced(w, 15_000, `author ${a}`)));
    const startedAt = clock();
    const deadline = startedAt + command.timeCapMs;
    const sentByAgent = await Promise.all(
      writers.map((writer, agent) => {
        const own = txns.filter((t) => t.agent === agent);
        return pump(
          writer,
          own.length,
          (i) => Y.applyUpdate(writer.doc, (own[i] as TwoAuthorTxn).update, 'trace'),
          {
            maxInFlight: command.maxInFlight,
            deadline,
            ready: (i) => Y.getState(writer.doc.store, 2 - agent) >= (own[i] as TwoAuthorTxn).needsOther,
          },
        );
      }),
    );
    const sent = sentByAgent.reduce((n, s) => n + s, 0);
    const finishedAt = await drain(writers, sent < txns.length ? clock() : deadline);
    const acknowledged = sent - writers.reduce((n, w) => n + w.unacknowledged, 0);
    const mismatch =
      acknowledged === txns.length
        ? await checkTexts(
            writers.map((w, a) => [`author ${a}`, w] as [string, BenchClient]),
            endContent,
            10_000,
          )
        : undefined;
    return {
      keystrokes: txns.length,
      acknowledged,
      elapsedMs: Math.min(finishedAt, deadline) - startedAt,
      closes: writers.reduce((n, w) => n + w.closes, 0),
      mismatch,
      textLength: endContent.length,
    };
  } finally {
    for (const writer of writers) writer.destroy();
  }
}
