import { errorCodes } from '@folio/shared';
import { AuthMessageType } from '@hocuspocus/common';
import { MessageType } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';

/**
 * The wire vocabulary of the collaboration server, in one place: Hocuspocus's message
 * types, y-protocols' sync steps, the auth sub-types of both protocols, and the close
 * codes Folio uses. Every module that reads or writes frames imports from here.
 */
export { AuthMessageType, MessageType };

/** y-protocols sync message types (the first varUint of a Sync message's body). */
export const SyncStep = {
  One: messageYjsSyncStep1,
  Two: messageYjsSyncStep2,
  Update: messageYjsUpdate,
} as const;

/** y-protocols' auth message says "permission denied" with 0; Hocuspocus with 1. */
export const Y_AUTH_PERMISSION_DENIED = 0;

/** Whether a sync message of this type carries document content (an update). */
export const carriesUpdate = (syncType: number) => syncType === SyncStep.Two || syncType === SyncStep.Update;

/**
 * WebSocket close codes. Failures with an error code take it from the shared error
 * table (`shared/src/errors.ts`), so the API and the collaboration server answer one
 * failure alike; the rest are RFC 6455 codes with a fixed meaning.
 */
export const CloseCode = {
  /** RFC 6455: normal closure. */
  normal: 1000,
  /** A frame that is not a well-formed message of the protocol. */
  malformed: errorCodes.BAD_REQUEST.ws,
  /** RFC 6455 policy violation: e.g. too much data before authentication. */
  policy: 1008,
  tooLarge: errorCodes.PAYLOAD_TOO_LARGE.ws,
  internal: errorCodes.INTERNAL.ws,
  /** RFC 6455 service restart: SIGTERM drain; clients reconnect elsewhere. */
  restart: 1012,
  /** Try again later: storage unavailable or the document is being reloaded. */
  unavailable: errorCodes.UNAVAILABLE.ws,
  unauthenticated: errorCodes.UNAUTHENTICATED.ws,
  forbidden: errorCodes.FORBIDDEN.ws,
  notFound: errorCodes.NOT_FOUND.ws,
} as const;

export interface FrameHead {
  /** The document address (Hocuspocus frames only; may carry `\0sessionId`). */
  address: string | undefined;
  type: number;
  /** For Sync and SyncReply messages. */
  syncType: number | undefined;
}

/** Reads a frame's address, message type and sync type, without decoding the payload. */
export function readFrameHead(frame: Uint8Array, withAddress: boolean): FrameHead {
  const decoder = decoding.createDecoder(frame);
  const address = withAddress ? decoding.readVarString(decoder) : undefined;
  const type = decoding.readVarUint(decoder);
  const syncType =
    (type === MessageType.Sync || type === MessageType.SyncReply) && decoding.hasContent(decoder)
      ? decoding.readVarUint(decoder)
      : undefined;
  return { address, type, syncType };
}

/**
 * The reason a connection hook (onConnect, onAuthenticate, onLoadDocument) gives when it
 * cannot decide now: the database is unreachable, or the document is being reloaded.
 * Hocuspocus answers any failing connection hook with a permission-denied message, after
 * which a provider never retries (Hocuspocus) or, translated for y-websocket, stops on
 * 4403; the socket shims turn a permission-denied with this reason into a 1013 close, on
 * which both providers reconnect.
 */
export const RETRY_LATER_REASON = 'try again later';

/** Whether a Hocuspocus frame (after its address) is a permission-denied saying RETRY_LATER_REASON. */
export function saysRetryLater(decoder: decoding.Decoder): boolean {
  return (
    decoding.readVarUint(decoder) === MessageType.Auth &&
    decoding.readVarUint(decoder) === AuthMessageType.PermissionDenied &&
    decoding.readVarString(decoder) === RETRY_LATER_REASON
  );
}
