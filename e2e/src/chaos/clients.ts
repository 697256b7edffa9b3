import { HocuspocusProvider } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * Simulated editors for fault tests: the real providers of both protocols, each
 * appending unique operations (`<name.n>`) to a Y.Text, and knowing exactly which of its
 * operations the server has acknowledged — read off the wire, not from the provider's
 * counters, which reset on reconnects.
 *
 * What an acknowledgement covers, by protocol:
 * - Hocuspocus: every Sync frame carrying an update (SyncStep2 or Update) gets one
 *   SyncStatus, in order, on the same socket; the SyncStatus of a frame means that
 *   frame's update (and everything before it) is stored.
 * - y-websocket: the server answers each SyncStep1 with a SyncStep2, in order, held
 *   until everything the socket sent before that SyncStep1 is stored. The provider
 *   sends a SyncStep1 every `resyncInterval`, so acknowledgements keep coming.
 * A frame's update covers, of this client's own operations, the clock range that
 * `Y.parseUpdateMeta` reports for the client's id; an operation is acknowledged once
 * an acknowledged frame's range holds it whole.
 */

export type Protocol = 'hocuspocus' | 'y-websocket';

export interface Operation {
  token: string;
  client: number;
  start: number;
  end: number;
  acked: boolean;
}

interface SocketState {
  /** Per update-carrying frame sent, this client's clock range in it (or none). */
  ranges: ([number, number] | undefined)[];
  /** Hocuspocus: SyncStatus frames received so far. */
  statuses: number;
  /** y-websocket: per SyncStep1 sent, how many update frames preceded it. */
  probes: number[];
  /** y-websocket: update frames covered by acknowledgements so far. */
  covered: number;
  /** This client's clock in the server's last SyncStep1 (state vector), until answered. */
  serverKnows: number | undefined;
}

export class ChaosClient {
  readonly doc = new Y.Doc();
  readonly ops: Operation[] = [];
  private provider: { destroy(): void } | undefined;
  private readonly sockets = new WeakMap<object, SocketState>();
  private destroyed = false;
  url: string;

  constructor(
    readonly name: string,
    readonly protocol: Protocol,
    url: string,
    readonly documentId: string,
    private readonly token: string,
  ) {
    this.url = url;
    this.connect();
  }

  get text(): string {
    return this.doc.getText('t').toString();
  }

  get unacked(): number {
    let n = 0;
    for (const op of this.ops) if (!op.acked) n++;
    return n;
  }

  /** Whether the provider has completed its handshake with the server. */
  get synced(): boolean {
    const p = this.provider as { isSynced?: boolean; synced?: boolean } | undefined;
    return Boolean(p && (this.protocol === 'hocuspocus' ? p.isSynced : p.synced));
  }

  /** Appends the next unique operation at the end of the text. */
  append(): Operation {
    const text = this.doc.getText('t');
    const token = `<${this.name}.${this.ops.length}>`;
    const client = this.doc.clientID;
    const start = Y.getState(this.doc.store, client);
    // Recorded first: the provider sends the frame synchronously inside insert.
    const op: Operation = { token, client, start, end: start + token.length, acked: false };
    this.ops.push(op);
    text.insert(text.length, token);
    return op;
  }

  /** Reconnects to another instance (the provider is replaced; the document is kept). */
  moveTo(url: string): void {
    this.url = url;
    this.provider?.destroy();
    this.connect();
  }

  destroy(): void {
    this.destroyed = true;
    this.provider?.destroy();
  }

  private connect(): void {
    if (this.destroyed) return;
    const WS = this.trackingSocketClass();
    if (this.protocol === 'hocuspocus') {
      // The socket options are handed on to the provider's own HocuspocusProviderWebsocket
      // (which its type does not say).
      const configuration = {
        url: this.url,
        name: this.documentId,
        token: this.token,
        document: this.doc,
        WebSocketPolyfill: WS,
        // Reconnect quickly after an instance comes back (defaults back off to 30 s).
        delay: 100,
        minDelay: 100,
        maxDelay: 1_000,
        factor: 1.5,
      };
      this.provider = new HocuspocusProvider(
        configuration as ConstructorParameters<typeof HocuspocusProvider>[0],
      );
    } else {
      this.provider = new WebsocketProvider(`${this.url}/yjs`, this.documentId, this.doc, {
        params: { token: this.token },
        WebSocketPolyfill: WS as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        resyncInterval: 250,
        maxBackoffTime: 1_000,
      });
    }
  }

  /** A `ws` WebSocket that reports this client's frames both ways. */
  private trackingSocketClass() {
    const client = this;
    return class TrackingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        client.sockets.set(this, { ranges: [], statuses: 0, probes: [], covered: 0, serverKnows: undefined });
        // A provider destroyed while its socket connects detaches its handlers first;
        // the socket's 'error' then must not go unheard (it would end the process).
        this.on('error', () => {});
        this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          const bytes =
            data instanceof ArrayBuffer
              ? new Uint8Array(data)
              : Array.isArray(data)
                ? new Uint8Array(Buffer.concat(data))
                : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
          client.received(this, bytes);
        });
      }

      override send(data: any, ...rest: any[]): void {
        if (data instanceof Uint8Array) client.sent(this, data);
        (super.send as (...args: any[]) => void)(data, ...rest);
      }
    };
  }

  private sent(socket: object, frame: Uint8Array): void {
    const state = this.sockets.get(socket);
    if (!state) return;
    try {
      const decoder = decoding.createDecoder(frame);
      if (this.protocol === 'hocuspocus') decoding.readVarString(decoder);
      const type = decoding.readVarUint(decoder);
      // Sync (0); Hocuspocus also accepts SyncReply (4) as a sync message.
      if (type !== 0 && !(this.protocol === 'hocuspocus' && type === 4)) return;
      const syncType = decoding.readVarUint(decoder);
      if (syncType === 0) {
        if (this.protocol === 'y-websocket') state.probes.push(state.ranges.length);
        return;
      }
      let range = this.ownRange(decoding.readVarUint8Array(decoder));
      if (syncType === 1 && state.serverKnows !== undefined) {
        // The answer to the server's SyncStep1: the server holds everything of ours below
        // the clock its state vector gave (stored, or pending in its commit chain), so
        // acknowledging this frame acknowledges that too.
        range = [0, Math.max(range?.[1] ?? 0, state.serverKnows)];
        state.serverKnows = undefined;
      }
      state.ranges.push(range);
    } catch {
      // Not a frame this tracker understands: it acknowledges nothing.
    }
  }

  private received(socket: object, frame: Uint8Array): void {
    const state = this.sockets.get(socket);
    if (!state) return;
    try {
      const decoder = decoding.createDecoder(frame);
      if (this.protocol === 'hocuspocus') decoding.readVarString(decoder);
      const type = decoding.readVarUint(decoder);
      if ((type === 0 || type === 4) && decoding.peekVarUint(decoder) === 0) {
        decoding.readVarUint(decoder);
        const vector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
        state.serverKnows = vector.get(this.doc.clientID) ?? 0;
        return;
      }
      if (this.protocol === 'hocuspocus') {
        if (type !== 8) return;
        const applied = decoding.readVarUint(decoder) === 1;
        const range = state.ranges[state.statuses++];
        if (applied && range) this.acknowledge(range);
        return;
      }
      if (type !== 0 || decoding.readVarUint(decoder) !== 1) return;
      const upTo = state.probes.shift();
      if (upTo === undefined) return;
      for (; state.covered < upTo; state.covered++) {
        const range = state.ranges[state.covered];
        if (range) this.acknowledge(range);
      }
    } catch {}
  }

  private ownRange(update: Uint8Array): [number, number] | undefined {
    const meta = Y.parseUpdateMeta(update);
    const client = this.doc.clientID;
    const from = meta.from.get(client);
    const to = meta.to.get(client);
    return from === undefined || to === undefined ? undefined : [from, to];
  }

  /** Marks the operations whose clocks lie wholly within [from, to) as acknowledged. */
  private acknowledge([from, to]: [number, number]): void {
    const client = this.doc.clientID;
    // Operations are in clock order: binary search for the first starting at `from`.
    let lo = 0;
    let hi = this.ops.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ops[mid] as Operation).start < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.ops.length; i++) {
      const op = this.ops[i] as Operation;
      if (op.start >= to) break;
      if (op.client === client && op.end <= to) op.acked = true;
    }
  }
}
