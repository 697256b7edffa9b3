import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';

/**
 * "Saved" means the server said so. Folio holds its reply to a client's sync step 1 (the
 * SyncStep2) until every edit of the document it received before that step 1 is durable
 * in Postgres (server/src/durable-acks.ts, y-websocket-adapter.ts), and replies leave in
 * order. So after local edits the tracker sends a sync step 1 of its own on the
 * provider's socket — a probe — and counts the edits as saved when that probe's
 * SyncStep2 arrives. Each step 1 the client sends gets exactly one SyncStep2, in order,
 * so replies are matched to probes first in, first out; the provider's own step 1 at
 * connect is in the queue as a probe that saves nothing.
 *
 * Edits made while disconnected reach the server in the client's SyncStep2, which the
 * provider sends while handling the server's step 1; a probe is therefore only sent on a
 * socket once the server's step 1 has been seen there (the provider's message handler
 * runs before ours, so the client's SyncStep2 has already left).
 */

const MESSAGE_SYNC = 0;
/** Edits are grouped: one probe per burst of typing, not one per keystroke. */
const PROBE_DELAY_MS = 150;

export type SaveState = 'connecting' | 'saving' | 'saved' | 'offline';

export class SaveTracker {
  /** Local edits made so far (a counter, not a list). */
  private edits = 0;
  /** Local edits the server has acknowledged as durable. */
  private acked = 0;
  /** Per reply expected on the current socket: the edit count its probe covers (null: none). */
  private expected: (number | null)[] = [];
  private socket: WebSocket | null = null;
  private serverStepOneSeen = false;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private state: SaveState = 'connecting';
  private everSynced = false;
  private readonly listeners = new Set<(state: SaveState, unsaved: number) => void>();

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly doc: Y.Doc,
  ) {
    doc.on('update', this.onUpdate);
    provider.on('status', this.onStatus);
    provider.on('sync', this.onSync);
    if (provider.wsconnected) this.attach();
  }

  subscribe(listener: (state: SaveState, unsaved: number) => void): () => void {
    this.listeners.add(listener);
    listener(this.state, this.edits - this.acked);
    return () => this.listeners.delete(listener);
  }

  /** Edits made here that the server has not yet confirmed as stored. */
  get unsaved(): number {
    return this.edits - this.acked;
  }

  destroy(): void {
    clearTimeout(this.probeTimer);
    this.doc.off('update', this.onUpdate);
    this.provider.off('status', this.onStatus);
    this.provider.off('sync', this.onSync);
    this.detach();
    this.listeners.clear();
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown) => {
    // Updates the provider applied came from the server; everything else was made here.
    if (origin === this.provider) return;
    this.edits++;
    this.scheduleProbe();
    this.publish();
  };

  private readonly onStatus = ({ status }: { status: string }) => {
    if (status === 'connected') this.attach();
    else this.detach();
    this.publish();
  };

  private readonly onSync = (synced: boolean) => {
    if (synced) this.everSynced = true;
    this.publish();
  };

  private attach(): void {
    this.detach();
    const socket = this.provider.ws;
    if (!socket) return;
    this.socket = socket;
    // The provider sends its own step 1 right after announcing the connection.
    this.expected = [null];
    this.serverStepOneSeen = false;
    socket.addEventListener('message', this.onMessage);
  }

  private detach(): void {
    this.socket?.removeEventListener('message', this.onMessage);
    this.socket = null;
    // Replies to probes on a closed socket never come; the next socket's probe covers them.
    this.expected = [];
  }

  private readonly onMessage = (event: MessageEvent) => {
    if (!(event.data instanceof ArrayBuffer)) return;
    const decoder = decoding.createDecoder(new Uint8Array(event.data));
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
    const step = decoding.readVarUint(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) {
      this.serverStepOneSeen = true;
      if (this.unsaved > 0) this.scheduleProbe();
    } else if (step === syncProtocol.messageYjsSyncStep2) {
      const covered = this.expected.shift();
      if (covered !== undefined && covered !== null) this.acked = Math.max(this.acked, covered);
      if (this.unsaved > 0) this.scheduleProbe();
    }
    this.publish();
  };

  private scheduleProbe(): void {
    if (this.probeTimer !== undefined) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probe();
    }, PROBE_DELAY_MS);
  }

  private probe(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.serverStepOneSeen) return;
    // One probe in flight covers everything up to it; another follows when it returns.
    if (this.expected.some((covers) => covers !== null)) return;
    if (this.unsaved === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.expected.push(this.edits);
    socket.send(encoding.toUint8Array(encoder));
  }

  private publish(): void {
    const next: SaveState = !this.provider.wsconnected
      ? this.everSynced
        ? 'offline'
        : 'connecting'
      : !this.provider.synced
        ? 'connecting'
        : this.unsaved > 0
          ? 'saving'
          : 'saved';
    this.state = next;
    for (const listener of this.listeners) listener(next, this.unsaved);
  }
}
