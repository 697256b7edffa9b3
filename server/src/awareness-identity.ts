import type { beforeHandleAwarenessPayload, Extension } from '@hocuspocus/server';
import type { CollabContext } from './context.js';

/** Awareness client ids one connection may announce (a provider uses one per document). */
const MAX_CLIENTS_PER_CONNECTION = 4;

/**
 * Awareness identity comes from the token, not from the client: every state a
 * connection announces gets `user.id` and `user.name` of its authenticated user, and
 * `user.agent` exactly when the credential is an agent token (other fields, such as a
 * cursor colour, are kept). A connection may not speak for an
 * awareness client id another connection already owns, so nobody can move someone
 * else's cursor or overwrite their presence.
 */
export class AwarenessIdentityExtension implements Extension {
  async beforeHandleAwareness(data: beforeHandleAwarenessPayload<CollabContext>): Promise<void> {
    const { connection, document, states } = data;
    // Awareness relayed from other instances was stamped where it entered.
    if (!connection) return;
    const principal = (connection.context as CollabContext).principal;
    const own = document.getClients(connection);
    let accepted = 0;
    for (const [clientId, state] of states) {
      const ownedElsewhere =
        !own.has(clientId) &&
        document
          .getConnections()
          .some((other) => other !== connection && document.getClients(other).has(clientId));
      if (!principal || ownedElsewhere || accepted >= MAX_CLIENTS_PER_CONNECTION) {
        states.delete(clientId);
        continue;
      }
      accepted++;
      const { agent: _claimed, ...user } =
        state.user !== null && typeof state.user === 'object' ? (state.user as Record<string, unknown>) : {};
      state.user = {
        ...user,
        id: principal.userId,
        name: principal.name,
        // Only an agent token's connection is an agent, and it cannot say it is not.
        ...(principal.agent ? { agent: principal.agent } : {}),
      };
    }
  }
}
