import * as decoding from 'lib0/decoding';
import { CloseCode, MessageType, SyncStep } from './protocol.js';

/**
 * First look at every WebSocket frame, before Hocuspocus decodes it: the frame must
 * parse, state vectors must be well-formed, awareness must be well-formed JSON states.
 * A frame that fails closes its own connection with 1003 and reaches nothing else, so
 * one hostile client can cost only its own socket. Updates are only framed here: the
 * persistence extension's beforeSync validates each update once, on the bytes Yjs is
 * about to decode, before Hocuspocus applies it.
 */

/**
 * `reason` goes into the close frame, which ws refuses (throws) beyond 123 bytes, so it
 * is always a short fixed text; `detail` is for the log.
 */
export type FrameVerdict =
  | { ok: true; type: string }
  | { ok: false; code: number; reason: string; detail: string };

const MAX_DOCUMENT_NAME = 512;
const MAX_AWARENESS_STATES = 64;

const typeNames: Record<number, string> = {
  [MessageType.Sync]: 'sync',
  [MessageType.Awareness]: 'awareness',
  [MessageType.Auth]: 'auth',
  [MessageType.QueryAwareness]: 'query_awareness',
  [MessageType.SyncReply]: 'sync_reply',
  [MessageType.Stateless]: 'stateless',
  [MessageType.CLOSE]: 'close',
  [MessageType.Ping]: 'ping',
  [MessageType.Pong]: 'pong',
};

/** Message types a stock y-websocket client sends. */
const yWebsocketTypes = new Set<number>([
  MessageType.Sync,
  MessageType.Awareness,
  MessageType.QueryAwareness,
]);

function checkStateVector(bytes: Uint8Array): void {
  const decoder = decoding.createDecoder(bytes);
  const n = decoding.readVarUint(decoder);
  if (n > bytes.length) throw new Error('state vector count exceeds its bytes');
  for (let i = 0; i < n; i++) {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
  }
  if (decoder.pos !== bytes.length) throw new Error('trailing bytes after state vector');
}

function checkAwareness(bytes: Uint8Array): void {
  const decoder = decoding.createDecoder(bytes);
  const n = decoding.readVarUint(decoder);
  if (n > MAX_AWARENESS_STATES) throw new Error('too many awareness states');
  for (let i = 0; i < n; i++) {
    decoding.readVarUint(decoder); // client id
    decoding.readVarUint(decoder); // clock
    const state = JSON.parse(decoding.readVarString(decoder));
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
      throw new Error('awareness state must be an object or null');
    }
  }
}

export function checkFrame(frame: Uint8Array, protocol: 'hocuspocus' | 'y-websocket'): FrameVerdict {
  try {
    const decoder = decoding.createDecoder(frame);
    if (protocol === 'hocuspocus') {
      const name = decoding.readVarString(decoder);
      if (name.length === 0 || name.length > MAX_DOCUMENT_NAME) throw new Error('bad document name');
    }
    const type = decoding.readVarUint(decoder);
    const typeName = typeNames[type];
    if (!typeName || (protocol === 'y-websocket' && !yWebsocketTypes.has(type))) {
      return {
        ok: false,
        code: CloseCode.malformed,
        reason: 'unsupported message type',
        detail: `type ${type}`,
      };
    }
    if (type === MessageType.Sync || type === MessageType.SyncReply) {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === SyncStep.One) checkStateVector(payload);
      else if (syncType !== SyncStep.Two && syncType !== SyncStep.Update)
        throw new Error(`unknown sync message ${syncType}`);
    } else if (type === MessageType.Awareness) {
      checkAwareness(decoding.readVarUint8Array(decoder));
    }
    return { ok: true, type: typeName };
  } catch (error) {
    return {
      ok: false,
      code: CloseCode.malformed,
      reason: 'malformed frame',
      detail: String((error as Error).message).slice(0, 500),
    };
  }
}

/**
 * Token bucket per connection: `perSecond` sustained, bursts up to `burst`. Typing
 * produces tens of messages a second and a replaying or importing client thousands; the
 * bucket only decides how long a socket that outruns it stops being read.
 */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }

  /**
   * Takes `cost` whether or not it is available, and answers how long (ms) until the
   * bucket is out of debt again: 0 while within budget.
   */
  debtMs(cost = 1): number {
    this.refill();
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }
}
