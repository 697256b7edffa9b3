import type { CollabEvent } from '@folio/shared';

/** One authenticated document connection, as far as revocation and expiry care. */
export interface RegisteredConnection {
  userId: string;
  documentId: string;
  tokenId?: string | undefined;
  /** Reads the (refreshable) expiry each time: token sync may push it back. */
  expiresAt(): number | undefined;
  /** Asks the client for a fresh token (Hocuspocus token sync); absent for y-websocket. */
  requestToken?: (() => void) | undefined;
  close(code: number, reason: string): void;
}

/** Ask for a fresh token this long before the current one expires. */
const REFRESH_LEAD_MS = 30_000;

/**
 * Every live connection by user, so a revocation published on the bus closes the right
 * sockets within one event-loop turn, and so expired connect tokens end their
 * connections unless refreshed. Entries remove themselves when the connection closes.
 */
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<RegisteredConnection>>();
  /** The expiry a refresh was last requested for, so each new expiry gets one request. */
  private readonly refreshRequested = new WeakMap<RegisteredConnection, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepIntervalMs = 1_000) {
    this.sweeper = setInterval(() => this.sweepExpired(), sweepIntervalMs);
    this.sweeper.unref();
  }

  add(entry: RegisteredConnection): () => void {
    let set = this.byUser.get(entry.userId);
    if (!set) {
      set = new Set();
      this.byUser.set(entry.userId, set);
    }
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.byUser.get(entry.userId) === set) this.byUser.delete(entry.userId);
    };
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Closes what the event targets; returns how many connections were closed. */
  revoke(event: Extract<CollabEvent, { type: 'revoke' }>): number {
    const set = this.byUser.get(event.userId);
    if (!set) return 0;
    let closed = 0;
    for (const entry of [...set]) {
      if (event.documentId && entry.documentId !== event.documentId) continue;
      if (event.tokenId && entry.tokenId !== event.tokenId) continue;
      set.delete(entry);
      entry.close(4403, 'access revoked');
      closed++;
    }
    return closed;
  }

  closeDocument(documentId: string, code: number, reason: string): void {
    for (const set of this.byUser.values()) {
      for (const entry of [...set]) {
        if (entry.documentId !== documentId) continue;
        set.delete(entry);
        entry.close(code, reason);
      }
    }
  }

  sweepExpired(now = Date.now()): void {
    for (const set of this.byUser.values()) {
      for (const entry of [...set]) {
        const expiresAt = entry.expiresAt();
        if (expiresAt === undefined) continue;
        if (expiresAt <= now) {
          set.delete(entry);
          entry.close(4401, 'token expired');
        } else if (
          expiresAt - now <= REFRESH_LEAD_MS &&
          entry.requestToken &&
          this.refreshRequested.get(entry) !== expiresAt
        ) {
          this.refreshRequested.set(entry, expiresAt);
          entry.requestToken();
        }
      }
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}
