import type { CollabEvent } from '@folio/shared';
import { CloseCode } from './protocol.js';

/** One authenticated document connection, as far as revocation and expiry care. */
export interface RegisteredConnection {
  userId: string;
  documentId: string;
  /**
   * The credential behind the connection (an API token's or a session's id, also when
   * it minted the connect token used): a revocation naming it closes the connection.
   */
  tokenId?: string | undefined;
  /** Reads the (refreshable) expiry each time: token sync may push it back. */
  expiresAt(): number | undefined;
  /** Asks the client for a fresh token (Hocuspocus token sync); absent for y-websocket. */
  requestToken?: (() => void) | undefined;
  /** Re-checks the credential and access; false closes the connection (4403). */
  reauthorize?: (() => Promise<boolean>) | undefined;
  close(code: number, reason: string): void;
}

export interface ConnectionRegistryConfiguration {
  /** Expiry sweep period. */
  sweepIntervalMs: number;
  /**
   * Every connection's access is re-checked this often: the backstop for a revocation
   * whose bus message was lost (pub/sub delivers at most once).
   */
  reauthorizeIntervalMs: number;
  /** Re-checks in flight at once, so a sweep never floods the database pool. */
  reauthorizeConcurrency: number;
}

const defaults: ConnectionRegistryConfiguration = {
  sweepIntervalMs: 1_000,
  reauthorizeIntervalMs: 30_000,
  reauthorizeConcurrency: 4,
};

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
  private readonly reauthorizer: NodeJS.Timeout;
  private reauthorizing: Promise<void> | undefined;

  constructor(configuration: Partial<ConnectionRegistryConfiguration> = {}) {
    const config = { ...defaults, ...configuration };
    this.sweeper = setInterval(() => this.sweepExpired(), config.sweepIntervalMs);
    this.sweeper.unref();
    this.reauthorizer = setInterval(() => {
      this.reauthorizing ??= this.reauthorizeAll(config.reauthorizeConcurrency).finally(() => {
        this.reauthorizing = undefined;
      });
    }, config.reauthorizeIntervalMs);
    this.reauthorizer.unref();
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
      entry.close(CloseCode.forbidden, 'access revoked');
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
        try {
          this.checkExpiry(set, entry, now);
        } catch {
          // A socket that failed to close or to send is going away anyway.
        }
      }
    }
  }

  private checkExpiry(set: Set<RegisteredConnection>, entry: RegisteredConnection, now: number): void {
    const expiresAt = entry.expiresAt();
    if (expiresAt === undefined) return;
    if (expiresAt <= now) {
      set.delete(entry);
      entry.close(CloseCode.unauthenticated, 'token expired');
    } else if (
      expiresAt - now <= REFRESH_LEAD_MS &&
      entry.requestToken &&
      this.refreshRequested.get(entry) !== expiresAt
    ) {
      this.refreshRequested.set(entry, expiresAt);
      entry.requestToken();
    }
  }

  /** Re-checks every connection; closes those that lost access. */
  async reauthorizeAll(concurrency: number): Promise<void> {
    const entries = [...this.byUser.values()].flatMap((set) => [...set]).filter((e) => e.reauthorize);
    const worker = async () => {
      for (let entry = entries.pop(); entry; entry = entries.pop()) {
        const ok = await (entry.reauthorize as () => Promise<boolean>)().catch(() => true);
        if (ok) continue;
        const set = this.byUser.get(entry.userId);
        if (set?.delete(entry)) entry.close(CloseCode.forbidden, 'access revoked');
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  stop(): void {
    clearInterval(this.sweeper);
    clearInterval(this.reauthorizer);
  }
}
