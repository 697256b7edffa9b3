import type { Actor } from '@folio/shared';
import type { Logger } from '@folio/shared/logger';

/** Who is calling, as `authenticate` resolved it from a token or a session cookie. */
export interface Principal extends Actor {
  via: 'token' | 'session';
  /** Stable per credential: the token id or the session hash. */
  credentialKey: string;
  tokenId?: string;
  /** When this credential stops working; null for an API token without expiry. */
  expiresAt: Date | null;
  /** The browser session's public id (sessions only). */
  sessionId?: string;
  /** An agent token's label, with what REST writes need to attribute and show it. */
  agent?: { label: string; tokenId: string; userName: string };
}

/** What middleware leaves on a request's context for the handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by `authenticate` on every /v1 route. */
    principal: Principal;
  };
}
