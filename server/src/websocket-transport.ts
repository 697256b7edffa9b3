import type { IncomingMessage } from 'node:http';
import type { Logger } from '@folio/shared/logger';
import type { Tracing } from '@folio/shared/tracing';
import type { Hocuspocus } from '@hocuspocus/server';
import type { WebSocket } from 'ws';
import type { AuthOutcome } from './auth.js';
import { type CommitChains, DurableAckSocket } from './durable-acks.js';
import { checkFrame, RateLimiter } from './frame-guard.js';
import type { CollabMetrics } from './metrics.js';
import { CloseCode } from './protocol.js';
import { openYWebsocketSession, type translateOutbound } from './y-websocket-adapter.js';

export interface TransportDeps {
  hocuspocus: Hocuspocus;
  log: Logger;
  metrics: CollabMetrics;
  /** Acknowledgements wait for their document's commits (durable-acks.ts). */
  chains: CommitChains;
  maxMessagesPerSecond: number;
  /** Largest frame; the byte budget per second is a small multiple of it. */
  maxFrameBytes: number;
  authorize(token: string | null, documentId: string): Promise<AuthOutcome>;
  /** The acceptor runs in the upgrade's span: the first frame is handled in it too. */
  tracing?: Tracing | undefined;
}

/**
 * The Fetch Request Hocuspocus keeps with every connection, for hooks' requestHeaders and
 * requestParameters. Folio's hooks read neither (identity comes from the token alone,
 * checked before or at authentication), so every connection shares one empty Request
 * instead of holding a copy of its upgrade headers (and, for y-websocket, its token)
 * for the connection's lifetime: about 1.5 KB of heap per idle connection.
 */
const sharedRequest = new Request('http://folio.invalid/');

/**
 * Everything between an upgraded socket and a protocol session: `/yjs/<documentId>` goes
 * to the y-websocket adapter, any other path to Hocuspocus. Each frame is rate-limited
 * and checked by the frame guard first; a bad frame closes its own socket only.
 */
export function createSocketAcceptor(deps: TransportDeps) {
  const translations = new WeakMap<Uint8Array, ReturnType<typeof translateOutbound>>();
  return (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const yjsRoom = url.pathname.startsWith('/yjs/') ? url.pathname.slice('/yjs/'.length) : undefined;
    const protocol = yjsRoom === undefined ? 'hocuspocus' : 'y-websocket';
    const request = sharedRequest;
    let session: { handleMessage(frame: Uint8Array): void; handleClose(code: number, reason: string): void };
    if (yjsRoom === undefined) {
      const connection = deps.hocuspocus.handleConnection(new DurableAckSocket(ws, deps.chains), request, {
        protocol: 'hocuspocus',
      });
      session = {
        handleMessage: (frame) => connection.handleMessage(frame),
        handleClose: (code, reason) => connection.handleClose({ code, reason }),
      };
    } else {
      let documentId = '';
      try {
        documentId = decodeURIComponent(yjsRoom);
      } catch {}
      if (!documentId || documentId.includes('/')) {
        ws.close(CloseCode.notFound, 'unknown document');
        return;
      }
      session = openYWebsocketSession(
        {
          hocuspocus: deps.hocuspocus,
          log: deps.log,
          chains: deps.chains,
          authorize: deps.authorize,
          maxQueuedFrames: 200,
          maxQueuedBytes: 1024 * 1024,
          translations,
        },
        ws,
        request,
        documentId,
        url.searchParams.get('token'),
      );
    }
    deps.metrics.connections.inc({ protocol });
    const limiter = new RateLimiter(deps.maxMessagesPerSecond, deps.maxMessagesPerSecond * 4);
    // Bytes too: Hocuspocus queues a connection's frames while an update waits for
    // storage to catch up (backpressure in the persistence extension), so without a
    // byte budget a stalled database would let one client park gigabytes in that queue.
    // Both throttle (pause reading) rather than close: see onMessage.
    const byteBudget = new RateLimiter(deps.maxFrameBytes * 2, deps.maxFrameBytes * 4);
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (ws.readyState !== ws.OPEN) return;
      if (!isBinary) {
        ws.close(CloseCode.malformed, 'binary frames only');
        return;
      }
      // Over budget: the frame is handled (it has arrived), but the socket stops being
      // read until the budget has refilled, so a client sending too fast is slowed down
      // by TCP instead of being cut off or queueing without bound here.
      const waitMs = Math.max(limiter.debtMs(1), byteBudget.debtMs(data.byteLength));
      if (waitMs > 0 && !ws.isPaused) {
        ws.pause();
        setTimeout(() => ws.resume(), waitMs).unref();
      }
      const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const verdict = checkFrame(frame, protocol);
      if (!verdict.ok && protocol === 'hocuspocus' && checkFrame(frame, 'y-websocket').ok) {
        // The stock WebsocketProvider pointed at the server root: say where it belongs.
        deps.metrics.messages.inc({ type: 'rejected' });
        ws.close(CloseCode.malformed, 'y-websocket clients connect to /yjs/<documentId>');
        return;
      }
      if (!verdict.ok) {
        deps.metrics.messages.inc({ type: 'rejected' });
        deps.log.info(
          { protocol, code: verdict.code, reason: verdict.reason, detail: verdict.detail },
          'closing a connection on a bad frame',
        );
        ws.close(verdict.code, verdict.reason);
        return;
      }
      deps.metrics.messages.inc({ type: verdict.type });
      session.handleMessage(frame);
    };
    // The first frame (a Hocuspocus provider's authentication) is handled in the upgrade's
    // trace, so its authorization and document load are part of the caller's trace; later
    // frames are not, or one socket's whole session would become one endless trace.
    let first: typeof onMessage | undefined = deps.tracing?.bind(onMessage);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const handle = first ?? onMessage;
      first = undefined;
      // Nothing a client sends may throw past this point: one socket's failure ends
      // that socket, never the process.
      try {
        handle(data, isBinary);
      } catch (error) {
        deps.log.warn({ err: error }, 'message handling failed');
        ws.terminate();
      }
    });
    ws.on('close', (code, reason) => {
      deps.metrics.connections.dec({ protocol });
      session.handleClose(code, reason.toString());
    });
    // ws closes the socket itself on protocol errors (1009 for an oversized frame).
    ws.on('error', (error) => deps.log.debug({ err: error }, 'websocket error'));
  };
}
