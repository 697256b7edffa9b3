import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Protocol } from './targets.js';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const clock = (): number => performance.timeOrigin + performance.now();

export interface ClientSpec {
  protocol: Protocol;
  /** Server base URL, `ws://host:port`. */
  url: string;
  documentId: string;
  token: string;
}

/**
 * One editor: a Y.Doc with a real provider. Edits insert one character into the shared
 * text and, in the same transaction, write their send time into a Y.Map under this
 * client's id, so every receiver can compute the propagation latency itself.
 */
export class BenchClient {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('text');
  readonly stamps = this.doc.getMap<number>('sent');
  readonly synced: Promise<void>;
  private readonly destroyers: (() => void)[] = [];
  private unsynced: (pending: number) => void = () => {};
  /** Edits the Hocuspocus provider has sent and the server not yet acknowledged (SyncStatus). */
  unacknowledged = 0;
  /** Times the socket closed after it had synced (the provider reconnects by itself). */
  closes = 0;
  private waiting: (() => void)[] = [];
  private remoteEdit: (sentAt: number, receivedAt: number) => void = () => {};
  private localUpdate: (bytes: number) => void = () => {};
  private cursor = 0;

  constructor(readonly spec: ClientSpec) {
    let resolveSynced: () => void = () => {};
    let rejectSynced: (error: Error) => void = () => {};
    this.synced = new Promise((done, fail) => {
      resolveSynced = done;
      rejectSynced = fail;
    });
    // A rejection nobody awaits yet (connection lost later) must not crash the worker.
    this.synced.catch(() => {});
    this.stamps.observe((event) => {
      if (event.transaction.local) return;
      const now = clock();
      for (const key of event.keysChanged) {
        const sentAt = this.stamps.get(key);
        if (typeof sentAt === 'number') this.remoteEdit(sentAt, now);
      }
    });
    this.doc.on('update', (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
      if (tr.local) this.localUpdate(update.byteLength);
      else this.wake();
    });

    if (spec.protocol === 'hocuspocus') {
      const socket = new HocuspocusProviderWebsocket({
        url: spec.url,
        WebSocketPolyfill: WebSocket,
      });
      const provider = new HocuspocusProvider({
        websocketProvider: socket,
        name: spec.documentId,
        document: this.doc,
        token: spec.token,
        onSynced: ({ state }) => {
          if (state) resolveSynced();
        },
        onAuthenticationFailed: ({ reason }) => rejectSynced(new Error(`authentication failed: ${reason}`)),
        onClose: ({ event }) => {
          if (!provider.isSynced)
            rejectSynced(new Error(`closed before sync: ${event.code} ${event.reason}`));
          else this.closes++;
        },
        onUnsyncedChanges: ({ number }) => {
          this.unacknowledged = number;
          this.unsynced(number);
          this.wake();
        },
      });
      provider.attach();
      this.destroyers.push(() => {
        provider.destroy();
        socket.destroy();
      });
    } else {
      const provider = new WebsocketProvider(`${spec.url}/yjs`, spec.documentId, this.doc, {
        WebSocketPolyfill: WebSocket as never,
        params: { token: spec.token },
        // Clients in one process would otherwise talk over BroadcastChannel, not the server.
        disableBc: true,
        maxBackoffTime: 1_000,
      });
      provider.on('sync', (isSynced: boolean) => {
        if (isSynced) resolveSynced();
      });
      provider.on('connection-close', (event) => {
        if (!provider.synced) rejectSynced(new Error(`closed before sync: ${event?.code} ${event?.reason}`));
      });
      this.destroyers.push(() => provider.destroy());
    }
  }

  /** Replaces the listener called with the send and receive time of every remote edit. */
  onRemoteEdit(listener: (sentAt: number, receivedAt: number) => void): void {
    this.remoteEdit = listener;
  }

  /** Replaces the listener called with the size of every update this client makes. */
  onLocalUpdate(listener: (bytes: number) => void): void {
    this.localUpdate = listener;
  }

  /**
   * Replaces the listener called whenever the Hocuspocus provider's count of edits not yet
   * acknowledged by the server changes (SyncStatus messages). Never called for y-websocket,
   * whose protocol has no acknowledgement.
   */
  onUnsyncedChanges(listener: (pending: number) => void): void {
    this.unsynced = listener;
  }

  /**
   * Resolves at the provider's next change of its unacknowledged count or the next remote
   * update of the document, or after `ms`.
   */
  nextChange(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, ms);
      this.waiting.push(() => {
        clearTimeout(timer);
        done();
      });
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const done of waiting) done();
  }

  /** Types one character at this client's cursor, stamped with the send time. */
  type(char: string): number {
    const sentAt = clock();
    this.doc.transact(() => {
      this.cursor = Math.min(this.cursor, this.text.length);
      this.text.insert(this.cursor, char);
      this.cursor += 1;
      this.stamps.set(String(this.doc.clientID), sentAt);
    });
    return sentAt;
  }

  placeCursorRandomly(): void {
    this.cursor = Math.floor(Math.random() * (this.text.length + 1));
  }

  destroy(): void {
    for (const destroy of this.destroyers) destroy();
    this.doc.destroy();
  }
}
