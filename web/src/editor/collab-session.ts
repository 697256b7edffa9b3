import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ApiError, api, type ConnectToken, type DocumentRole } from '../api.js';
import { SaveTracker } from './save-tracker.js';

/**
 * A document's live connection: the stock y-websocket provider on the contract's connect
 * token (`yjsUrl`, `documentName`, `?token=`), kept alive across the token's expiry and
 * told apart from a revocation.
 *
 * The server closes a socket with 4401 when its token expires or its credential ends,
 * and with 4403 when access was removed or lowered; y-websocket stops reconnecting on
 * 44xx codes. Either way a new connect token is asked for: if the API refuses (404: no
 * access any more), the session ends and says why; otherwise it reconnects with the role
 * the API answered (a downgrade to viewer makes the editor read-only).
 */

export interface CollabSessionEvents {
  /** The effective role changed (first connection included). */
  onRole(role: DocumentRole): void;
  /** Access is gone for good: the editor must close. */
  onEnded(message: string): void;
}

/** A new token is fetched this long before the current one expires, for the next reconnect. */
const REFRESH_BEFORE_EXPIRY_MS = 60_000;

export interface CollabSession {
  doc: Y.Doc;
  provider: WebsocketProvider;
  tracker: SaveTracker;
  role: DocumentRole;
  destroy(): void;
}

export async function openCollabSession(
  documentId: string,
  events: CollabSessionEvents,
): Promise<CollabSession> {
  const mint = () =>
    api<ConnectToken>('POST', `/v1/documents/${encodeURIComponent(documentId)}/connect-token`);
  const first = await mint();
  const doc = new Y.Doc();
  // disableBc: every edit goes through the server, so "saved" is the server's word and a
  // revoked tab cannot keep receiving edits from a sibling tab.
  const provider = new WebsocketProvider(first.yjsUrl, first.documentName, doc, {
    params: { token: first.token },
    disableBc: true,
  });
  const tracker = new SaveTracker(provider, doc);
  let role = first.role;
  let destroyed = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  const adopt = (token: ConnectToken) => {
    provider.params = { token: token.token };
    if (token.role !== role) {
      role = token.role;
      session.role = role;
      events.onRole(role);
    }
    clearTimeout(refreshTimer);
    const wait = Math.max(5_000, Date.parse(token.expiresAt) - Date.now() - REFRESH_BEFORE_EXPIRY_MS);
    refreshTimer = setTimeout(() => void renew(false), wait);
  };

  /** Asks for a new token; `reconnect` after the server closed the socket for good. */
  const renew = async (reconnect: boolean) => {
    if (destroyed) return;
    try {
      adopt(await mint());
      if (reconnect && !destroyed) provider.connect();
    } catch (error) {
      if (destroyed) return;
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
        end('Your access to this document was removed, or the document was deleted.');
      } else if (error instanceof ApiError && error.status === 401) {
        end('Your session has ended. Sign in again to keep editing.');
      } else {
        // The API is unreachable: try again shortly, the provider keeps the edits.
        refreshTimer = setTimeout(() => void renew(reconnect), 3_000);
      }
    }
  };

  const end = (message: string) => {
    destroy();
    events.onEnded(message);
  };

  provider.on('closed', ({ code }: { code: number }) => {
    if (code === 4401 || code === 4403) void renew(true);
  });

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    clearTimeout(refreshTimer);
    tracker.destroy();
    provider.destroy();
    doc.destroy();
  };

  const session: CollabSession = { doc, provider, tracker, role, destroy };
  adopt(first);
  events.onRole(role);
  return session;
}
