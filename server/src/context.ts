import type { CollabPrincipal } from './auth.js';

/**
 * The Hocuspocus connection context of a Folio connection. `principal` is set by the
 * authentication extension and is the only identity the rest of the server trusts.
 */
export interface CollabContext {
  principal?: CollabPrincipal;
  /** The credential it authenticated with, kept to re-check access periodically. */
  token?: string;
  /** Our id for this document connection, stored with every update it makes. */
  connectionId?: string;
  /** Set by the y-websocket adapter, which authorizes before Hocuspocus sees the socket. */
  preauthorized?: { documentId: string; principal: CollabPrincipal };
  protocol?: 'hocuspocus' | 'y-websocket';
}

/** A hook failure Hocuspocus turns into a close: it reads `code` and `reason`. */
export class CloseError extends Error {
  override readonly name = 'CloseError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}
