import type { Logger } from '@folio/shared/logger';
import type { Hocuspocus } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import type { AuthOutcome, CollabPrincipal } from './auth.js';
import type { CollabContext } from './context.js';
import type { CommitChains } from './durable-acks.js';
import {
  AuthMessageType,
  CloseCode,
  MessageType,
  RETRY_LATER_REASON,
  SyncStep,
  Y_AUTH_PERMISSION_DENIED,
} from './protocol.js';

/**
 * Serves the stock y-websocket `WebsocketProvider` through Hocuspocus. The two speak
 * the same y-protocols sync and awareness messages, but Hocuspocus frames carry the
 * document name first, wait for an Auth frame, and send message types y-websocket does
 * not know. This adapter:
 * - authorizes from `?token=` *before* Hocuspocus sees the socket, closing with 4401/4403
 *   (after y-protocols' own permission-denied message) before any document data is sent;
 * - inbound: injects the Auth frame, then prefixes every frame with the document name;
 * - outbound: strips the name, maps SyncReply (4) to Sync (0), drops Hocuspocus-only
 *   types (auth results, stateless, sync status, close, ping);
 * - acknowledgement: y-websocket has no SyncStatus; its client counts as synced when
 *   the server answers its SyncStep1 with a SyncStep2. That answer is held until the
 *   document's commits so far have resolved (durable-acks.ts), in order.
 */

export interface YWebsocketSession {
  /** Feeds one frame from the client (already validated by the transport). */
  handleMessage(frame: Uint8Array): void;
  handleClose(code: number, reason: string): void;
}

export interface AdapterDeps {
  hocuspocus: Hocuspocus;
  log: Logger;
  chains: CommitChains;
  authorize(token: string | null, documentId: string): Promise<AuthOutcome>;
  /** Frames buffered while authorizing; more closes the socket (1008). */
  maxQueuedFrames: number;
  maxQueuedBytes: number;
  /**
   * Translations by input frame. Hocuspocus encodes a broadcast once and hands the same
   * buffer to every connection, so with this cache (shared by all sessions) a document
   * with many y-websocket clients translates each broadcast once, not once per client.
   */
  translations?: WeakMap<Uint8Array, ReturnType<typeof translateOutbound>>;
}

function prefixed(documentId: string, frame: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentId);
  encoding.writeUint8Array(encoder, frame);
  return encoding.toUint8Array(encoder);
}

function permissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Auth);
  encoding.writeVarUint(encoder, Y_AUTH_PERMISSION_DENIED);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

/** Hocuspocus frame → y-websocket frame, or undefined to drop it. */
export function translateOutbound(frame: Uint8Array): {
  frame?: Uint8Array;
  denied?: string;
  /** A SyncStep2: the acknowledgement of what the client sent before its SyncStep1. */
  acknowledges?: boolean;
} {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  const rest = frame.subarray(decoder.pos);
  const withType = (t: number) => {
    const out = new Uint8Array(rest.length + 1);
    out[0] = t;
    out.set(rest, 1);
    return out;
  };
  switch (type) {
    case MessageType.Sync:
    case MessageType.SyncReply:
      return { frame: withType(MessageType.Sync), acknowledges: rest[0] === SyncStep.Two };
    case MessageType.Awareness:
    case MessageType.QueryAwareness:
      return { frame: withType(type) };
    case MessageType.Auth:
      if (decoding.readVarUint(decoder) === AuthMessageType.PermissionDenied) {
        return { denied: decoding.readVarString(decoder) };
      }
      return {};
    case MessageType.CLOSE:
      return { denied: 'closed' };
    default:
      return {};
  }
}

export function openYWebsocketSession(
  deps: AdapterDeps,
  ws: WebSocket,
  request: Request,
  documentId: string,
  token: string | null,
): YWebsocketSession {
  let queue: Uint8Array[] | undefined = [];
  let queuedBytes = 0;
  let connection: ReturnType<Hocuspocus['handleConnection']> | undefined;
  let closed = false;

  const refuse = (code: number, reason: string) => {
    if (ws.readyState === ws.OPEN) {
      ws.send(permissionDenied(reason));
      ws.close(code, reason);
    }
  };

  // What Hocuspocus believes is its WebSocket.
  const shim = {
    get readyState() {
      return ws.readyState;
    },
    send(data: Uint8Array) {
      let out = deps.translations?.get(data);
      if (!out) {
        out = translateOutbound(data);
        deps.translations?.set(data, out);
      }
      if (out.frame) {
        if (!out.acknowledges) {
          ws.send(out.frame);
          return;
        }
        // Replies leave in order, once durable (never, if a commit failed: the document
        // is being reloaded); other frames (broadcasts, awareness) need not wait.
        const frame = out.frame;
        deps.chains.afterCommits(documentId, () => {
          if (ws.readyState === ws.OPEN) ws.send(frame);
        });
      } else if (out.denied === RETRY_LATER_REASON) {
        // Not a refusal: a connection hook could not decide now (see RETRY_LATER_REASON).
        ws.close(CloseCode.unavailable, RETRY_LATER_REASON);
      } else if (out.denied !== undefined) {
        refuse(out.denied === 'closed' ? CloseCode.normal : CloseCode.forbidden, out.denied);
      }
    },
    close(code?: number, reason?: string) {
      ws.close(code, reason);
    },
  };

  deps.authorize(token, documentId).then(
    (outcome) => {
      if (closed) return;
      if (!outcome.ok) {
        deps.log.info({ documentId, code: outcome.code, detail: outcome.reason }, 'connection refused');
        refuse(
          outcome.code === 'UNAUTHENTICATED' ? CloseCode.unauthenticated : CloseCode.forbidden,
          outcome.reason,
        );
        queue = undefined;
        return;
      }
      try {
        attach(outcome.principal);
      } catch (error) {
        deps.log.error({ err: error, documentId }, 'y-websocket session failed to start');
        ws.terminate();
      }
    },
    (error) => {
      // The outcome is a value; a throw is the database failing. The client retries.
      deps.log.warn({ err: error, documentId }, 'y-websocket authorization failed');
      if (ws.readyState === ws.OPEN) ws.close(CloseCode.unavailable, RETRY_LATER_REASON);
    },
  );

  function attach(principal: CollabPrincipal): void {
    const context: CollabContext = {
      preauthorized: { documentId, principal },
      protocol: 'y-websocket',
    };
    connection = deps.hocuspocus.handleConnection(shim, request, context);
    const auth = encoding.createEncoder();
    encoding.writeVarString(auth, documentId);
    encoding.writeVarUint(auth, MessageType.Auth);
    encoding.writeVarUint(auth, AuthMessageType.Token);
    encoding.writeVarString(auth, token ?? '');
    connection.handleMessage(encoding.toUint8Array(auth));
    const pending = queue ?? [];
    queue = undefined;
    for (const frame of pending) connection.handleMessage(prefixed(documentId, frame));
  }

  return {
    handleMessage(frame) {
      if (connection) {
        connection.handleMessage(prefixed(documentId, frame));
        return;
      }
      if (!queue) return; // refused
      queuedBytes += frame.byteLength;
      if (queue.length >= deps.maxQueuedFrames || queuedBytes > deps.maxQueuedBytes) {
        queue = undefined;
        ws.close(CloseCode.policy, 'too much data before authentication');
        return;
      }
      queue.push(frame);
    },
    handleClose(code, reason) {
      closed = true;
      queue = undefined;
      connection?.handleClose({ code, reason });
    },
  };
}
