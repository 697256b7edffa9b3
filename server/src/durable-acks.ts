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
 */
export class CommitChains {
  private readonly documents = new Map<string, DocumentChain>();

  /**
   * Adds a commit to the document's chain. The returned promise resolves once it and
   * every earlier commit of the document has resolved, and rejects if any failed.
   */
  append(documentName: string, commit: Promise<unknown>, bytes: number): Promise<void> {
    let chain = this.documents.get(documentName);
    if (!chain) {
      chain = { tail: Promise.resolve(), pending: 0, bytes: 0, failed: false };
      this.documents.set(documentName, chain);
    }
    const owner = chain;
    owner.pending++;
    owner.bytes += bytes;
    const tail = owner.tail.then(() => commit).then(noop);
    owner.tail = tail;
    const settle = () => {
      owner.pending--;
      owner.bytes -= bytes;
      // A failed chain is kept until the document is forgotten (unloaded): a fresh one
      // would let later acknowledgements pass an update that never became durable.
      if (owner.pending === 0 && !owner.failed && this.documents.get(documentName) === owner) {
        this.documents.delete(documentName);
      }
    };
    tail.then(settle, () => {
      owner.failed = true;
      settle();
    });
    return tail;
  }

  /**
   * Resolves when everything appended so far for the document is committed (rejects if
   * any of it failed); undefined when nothing of the document is waiting.
   */
  whenCommitted(documentName: string): Promise<void> | undefined {
    return this.documents.get(documentName)?.tail;
  }

  /** Bytes of the document's updates applied in memory but not yet committed. */
  pendingBytes(documentName: string): number {
    return this.documents.get(documentName)?.bytes ?? 0;
  }

  /** The document was unloaded: a reload starts with a clean chain. */
  forget(documentName: string): void {
    this.documents.delete(documentName);
  }
}

interface DocumentChain {
  tail: Promise<void>;
  /** Commits appended and not yet settled. */
  pending: number;
  bytes: number;
  failed: boolean;
}

const noop = () => {};

/**
 * The socket Hocuspocus writes to, for Hocuspocus-protocol clients: every frame goes
 * straight to the WebSocket except SyncStatus, which waits for its document's commits
 * (see CommitChains). Held acknowledgements of one address leave in order; an
 * acknowledgement whose commit failed is never sent. One object per socket, methods on
 * the prototype: idle connections cost no closures.
 */
export class DurableAckSocket implements WebSocketLike {
  /** Per address, the last held acknowledgement (absent when none is waiting). */
  private held: Map<string, Promise<void>> | undefined;

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
    const documentName = documentOfAddress(address);
    const commit = this.chains.whenCommitted(documentName);
    const before = this.held?.get(address);
    if (!commit && !before) {
      this.ws.send(data);
      return;
    }
    this.held ??= new Map();
    const sent = Promise.all([before, commit]).then(
      () => {
        if (this.ws.readyState === 1) this.ws.send(data);
      },
      // Not durable: never acknowledged. The document is being reloaded.
      noop,
    );
    this.held.set(address, sent);
    sent.then(() => {
      if (this.held?.get(address) === sent) this.held.delete(address);
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
