import type { Level } from 'pino';
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

/**
 * A hook failure Hocuspocus turns into a close: it reads `code` and `reason`. Thrown
 * only after the close was decided and logged, so it is expected, not an error: the
 * message stays empty because Hocuspocus prints every hook error's message to the
 * console, and `isCloseError` lets the console router demote the stack it prints too.
 */
export class CloseError extends Error {
  override readonly name = 'CloseError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super('');
  }
}

/** Console level for what Hocuspocus prints: a deliberate close is debug, the rest as printed. */
export const collabConsoleLevel = (args: unknown[], level: Level): Level =>
  args.some((a) => a instanceof CloseError) ? 'debug' : level;
