import { randomUUID } from 'node:crypto';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import { noopTracing, type Tracing } from '@folio/shared/tracing';
import type {
  connectedPayload,
  Extension,
  onAuthenticatePayload,
  onTokenSyncPayload,
} from '@hocuspocus/server';
import { type AuthOutcome, tracedAuthorizeConnection } from './auth.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { CloseError, type CollabContext } from './context.js';
import { CloseCode, RETRY_LATER_REASON } from './protocol.js';

export interface AuthConfiguration {
  db: Db;
  secretKey: string;
  registry: ConnectionRegistry;
  log: Logger;
  tracing?: Tracing | undefined;
}

/**
 * Authentication and authorization for Hocuspocus connections (and, through the
 * adapter's pre-authorization, y-websocket ones). Hocuspocus queues a document's frames
 * until `onAuthenticate` resolves and answers a throw with its permission-denied
 * message, so nothing of the document is sent to a refused client.
 */
export class AuthExtension implements Extension {
  // Before persistence and Redis: nothing should load for a refused client.
  priority = 2000;

  constructor(private readonly configuration: AuthConfiguration) {}

  private authorize(
    token: string | null | undefined,
    documentId: string,
    purpose: 'connect' | 'refresh' | 'recheck',
  ): Promise<AuthOutcome> {
    const tracing = this.configuration.tracing ?? noopTracing;
    return tracedAuthorizeConnection({ ...this.configuration, tracing }, token, documentId, purpose);
  }

  async onAuthenticate(data: onAuthenticatePayload<CollabContext>): Promise<Partial<CollabContext>> {
    const pre = data.context.preauthorized;
    let principal = pre && pre.documentId === data.documentName ? pre.principal : undefined;
    if (!principal) {
      let outcome: AuthOutcome;
      try {
        outcome = await this.authorize(data.token, data.documentName, 'connect');
      } catch (error) {
        // The database failing, not a verdict: the client is told to retry (1013).
        this.configuration.log.warn(
          { err: error, documentId: data.documentName, socketId: data.socketId },
          'could not authorize a connection',
        );
        throw new CloseError(CloseCode.unavailable, RETRY_LATER_REASON);
      }
      if (!outcome.ok) {
        this.configuration.log.info(
          {
            documentId: data.documentName,
            socketId: data.socketId,
            code: outcome.code,
            detail: outcome.reason,
          },
          'connection refused',
        );
        // Hocuspocus sends `reason` in its permission-denied message. The message is left
        // empty because Hocuspocus prints any hook error's message to stderr, and we
        // have just logged it properly.
        throw Object.assign(new Error(''), {
          reason: outcome.code === 'UNAUTHENTICATED' ? 'unauthenticated' : 'forbidden',
        });
      }
      principal = outcome.principal;
    }
    data.connectionConfig.readOnly = principal.role === 'viewer';
    const connectionId = randomUUID();
    this.configuration.log.debug(
      {
        documentId: data.documentName,
        connectionId,
        socketId: data.socketId,
        userId: principal.userId,
        role: principal.role,
      },
      'connection authenticated',
    );
    return { principal, connectionId, token: data.token };
  }

  /** A refreshed token (Hocuspocus token sync) extends the connection's life. */
  async onTokenSync(data: onTokenSyncPayload<CollabContext>): Promise<void> {
    const context = data.connection.context as CollabContext;
    const current = context.principal;
    const outcome = await this.authorize(data.token, data.documentName, 'refresh');
    if (!outcome.ok || !current || outcome.principal.userId !== current.userId) {
      // Hocuspocus would only detach the document; the socket has to go as well.
      data.connection.webSocket.close(CloseCode.unauthenticated, 'unauthenticated');
      this.configuration.log.info(
        {
          documentId: data.documentName,
          userId: current?.userId,
          detail: outcome.ok ? 'other user' : outcome.reason,
        },
        'token refresh refused',
      );
      throw new CloseError(CloseCode.unauthenticated, 'unauthenticated');
    }
    // The role may only stay or shrink for the life of the connection: the read-only
    // flag was fixed at connect, so a downgrade to viewer closes and reconnects.
    if (outcome.principal.role === 'viewer' && current.role !== 'viewer') {
      data.connection.webSocket.close(CloseCode.forbidden, 'role changed');
      this.configuration.log.info(
        { documentId: data.documentName, userId: current.userId },
        'closing a connection downgraded to viewer',
      );
      throw new CloseError(CloseCode.forbidden, 'role changed');
    }
    current.expiresAt = outcome.principal.expiresAt;
    // The new token may come from another credential (a new session): revoking that one
    // must close the connection from now on.
    current.tokenId = outcome.principal.tokenId;
    context.token = data.token;
  }

  async connected(data: connectedPayload<CollabContext>): Promise<void> {
    const context = data.connection.context as CollabContext;
    const principal = context.principal;
    if (!principal) return;
    const { connection } = data;
    const unregister = this.configuration.registry.add({
      userId: principal.userId,
      documentId: data.documentName,
      // Read at revocation time: a token refresh may change the credential.
      get tokenId() {
        return principal.tokenId;
      },
      expiresAt: () => principal.expiresAt,
      requestToken: context.protocol === 'y-websocket' ? undefined : () => connection.requestToken(),
      // The registry treats a failed check (database unreachable) as "still allowed":
      // closing needs a definite answer, and the next round asks again.
      reauthorize: async () => {
        const outcome = await this.authorize(context.token, data.documentName, 'recheck');
        if (!outcome.ok) return false;
        // A downgrade to viewer needs a reconnect: the read-only flag is fixed at connect.
        return (
          outcome.principal.userId === principal.userId &&
          (outcome.principal.role !== 'viewer' || principal.role === 'viewer')
        );
      },
      // The whole socket goes: the provider reconnects its other documents, and the
      // refused one is refused again at authentication.
      close: (code, reason) => connection.webSocket.close(code, reason),
    });
    connection.onClose(() => unregister());
  }
}
