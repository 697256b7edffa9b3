import type { WebSocketLike } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import { CloseCode, MessageType, RETRY_LATER_REASON, saysRetryLater } from './protocol.js';

/**
 * Broadcast on validation, acknowledge on commit.
 *
 * Folio applies (and so broadcasts) a client's update as soon as it is validated, and
 * starts its commit without waiting for it. What the contract makes durable is the
 * acknowledgement: Hocuspocus's SyncStatus, and for y-websocket the server's reply to a
 * sync step. Those frames are held here until the document's commits up to that point
 * have resolved — the update's own commit and every earlier one of that document on
 * this instance, because an update may depend on any update its author had received
 * (Yjs structs reference their origin), including ones not yet durable when it arrived.
 * If one of them fails for good, the chain stays failed: no later acknowledgement of
 * that document is sent, and the persistence extension reloads the document.
 *
 * Commits are numbered per document as they are appended (tickets); an acknowledgement
 * waits for the ticket issued last before it, and leaves once every ticket up to that
 * one has resolved. Commits of overlapping batches may resolve in any order, so the
 * chain tracks the longest resolved prefix. Waiting costs one small object per held
 * acknowledgement, not a chain of promises: at thousands of acknowledgements a second
 * those promises were a measurable share of the server's garbage.
 */
export class CommitChains {
  private readonly documents = new Map<string, DocumentChain>();

  /** Adds a commit to the document's chain: resolving means durable, rejecting failed for good. */
  append(documentName: string, commit: Promise<unknown>, bytes: number): void {
    let chain = this.documents.get(documentName);
    if (!chain) {
      chain = new DocumentChain();
      this.documents.set(documentName, chain);
    }
    const owner = chain;
    const ticket = ++owner.issued;
    owner.bytes += bytes;
    commit.then(
      () => this.settle(documentName, owner, ticket, bytes, true),
      () => this.settle(documentName, owner, ticket, bytes, false),
    );
  }

  /**
   * Runs `release` once every commit appended so far for the document has resolved — at
   * once when none is waiting — and never if one of them failed. Releases of one document
   * run in the order they were asked for.
   */
  afterCommits(documentName: string, release: () => void): void {
    const chain = this.documents.get(documentName);
    if (!chain) {
      release();
      return;
    }
    if (chain.failedAt <= chain.issued) return;
    chain.waiters.push({ ticket: chain.issued, release, drop: undefined });
  }

  /**
   * Resolves when everything appended so far for the document is committed (rejects if
   * any of it failed); undefined when nothing of the document is waiting.
   */
  whenCommitted(documentName: string): Promise<void> | undefined {
    const chain = this.documents.get(documentName);
    if (!chain) return undefined;
    if (chain.failedAt <= chain.issued) return Promise.reject(new CommitFailedError());
    return new Promise((resolve, reject) => {
      chain.waiters.push({
        ticket: chain.issued,
        release: resolve,
        drop: () => reject(new CommitFailedError()),
      });
    });
  }

  /** Bytes of the document's updates applied in memory but not yet committed. */
  pendingBytes(documentName: string): number {
    return this.documents.get(documentName)?.bytes ?? 0;
  }

  /** The document was unloaded: a reload starts with a clean chain. */
  forget(documentName: string): void {
    this.documents.delete(documentName);
  }

  private settle(documentName: string, chain: DocumentChain, ticket: number, bytes: number, ok: boolean) {
    chain.bytes -= bytes;
    chain.settled++;
    if (ok) {
      chain.resolved.add(ticket);
      while (chain.resolved.delete(chain.through + 1)) chain.through++;
    } else if (ticket < chain.failedAt) {
      chain.failedAt = ticket;
    }
    // Waiters are in ticket order: release the prefix that is durable, drop what a
    // failure makes undeliverable.
    const waiters = chain.waiters;
    let released = 0;
    while (released < waiters.length && (waiters[released] as Waiter).ticket <= chain.through) released++;
    const ready = released > 0 ? waiters.splice(0, released) : [];
    if (chain.failedAt <= chain.issued) {
      const doomed = waiters.filter((w) => w.ticket >= chain.failedAt);
      chain.waiters = waiters.filter((w) => w.ticket < chain.failedAt);
      for (const w of doomed) w.drop?.();
    }
    for (const w of ready) w.release();
    // A failed chain is kept until the document is forgotten (unloaded): a fresh one
    // would let later acknowledgements pass an update that never became durable.
    if (
      chain.settled === chain.issued &&
      chain.failedAt > chain.issued &&
      chain.waiters.length === 0 &&
      this.documents.get(documentName) === chain
    ) {
      this.documents.delete(documentName);
    }
  }
}

interface Waiter {
  /** Released once every commit up to this ticket has resolved. */
  ticket: number;
  release(): void;
  drop: (() => void) | undefined;
}

class DocumentChain {
  /** Tickets issued (commits appended). */
  issued = 0;
  /** Commits settled, resolved or failed. */
  settled = 0;
  /** Every ticket up to this one has resolved. */
  through = 0;
  /** Resolved tickets past `through` (commits of overlapping batches resolve out of order). */
  readonly resolved = new Set<number>();
  /** The first ticket that failed (Infinity: none). */
  failedAt = Number.POSITIVE_INFINITY;
  /** Uncommitted bytes. */
  bytes = 0;
  waiters: Waiter[] = [];
}

/** An acknowledgement that will never be sent: a commit of the document failed for good. */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError';
  constructor() {
    super('a commit of the document failed');
  }
}

/**
 * The socket Hocuspocus writes to, for Hocuspocus-protocol clients: every frame goes
 * straight to the WebSocket except SyncStatus, which waits for its document's commits
 * (see CommitChains). Held acknowledgements leave in order; one whose commit failed is
 * never sent. One object per socket, methods on the prototype: idle connections cost no
 * closures.
 */
export class DurableAckSocket implements WebSocketLike {
  constructor(
    private readonly ws: WebSocketLike,
    private readonly chains: CommitChains,
  ) {}

  get readyState(): number {
    return this.ws.readyState;
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  send(data: Uint8Array): void {
    const address = syncStatusAddress(data);
    if (address === undefined) {
      if (isRetryLater(data)) {
        this.ws.close(CloseCode.unavailable, RETRY_LATER_REASON);
        return;
      }
      this.ws.send(data);
      return;
    }
    // Held until durable; acknowledgements of one document leave in order (CommitChains).
    this.chains.afterCommits(documentOfAddress(address), () => {
      if (this.ws.readyState === 1) this.ws.send(data);
    });
  }
}

/** The document of a Hocuspocus message address (`name` or `name\0sessionId`). */
export const documentOfAddress = (address: string) => {
  const separator = address.indexOf('\0');
  return separator === -1 ? address : address.slice(0, separator);
};

/**
 * The address of a SyncStatus frame, or undefined for any other frame. Runs on every
 * frame the server sends (broadcasts are most of them), so it looks at the type byte
 * first and decodes the address only for the frames it wants.
 */
export function syncStatusAddress(frame: Uint8Array): string | undefined {
  // varUint length of the address, the address, then the message type (< 128: one byte).
  let length = 0;
  let shift = 0;
  let pos = 0;
  for (;;) {
    const byte = frame[pos++];
    if (byte === undefined) return undefined;
    length |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
    shift += 7;
    if (shift > 28) return undefined;
  }
  if (frame[pos + length] !== MessageType.SyncStatus) return undefined;
  return decoding.readVarString(decoding.createDecoder(frame));
}

/** A permission-denied frame that means "try again later" (see RETRY_LATER_REASON). */
function isRetryLater(frame: Uint8Array): boolean {
  // Cheap first: the type byte right after a short address.
  const length = frame[0];
  if (length === undefined || length >= 0x80 || frame[length + 1] !== MessageType.Auth) return false;
  try {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarString(decoder);
    return saysRetryLater(decoder);
  } catch {
    return false;
  }
}
