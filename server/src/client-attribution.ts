import type { UpdateSummary } from '@folio/shared';
import type { afterUnloadDocumentPayload, Extension, onAwarenessUpdatePayload } from '@hocuspocus/server';
import * as Y from 'yjs';

/** Client ids remembered per document; a session adds one, so this is many sessions. */
const MAX_CLIENTS_PER_DOCUMENT = 10_000;

/** Who made an edit: the user, and the agent label when an agent token made it for them. */
export interface Author {
  userId: string;
  agent?: string | undefined;
}

/** One string per author, so authors group in a Map; the NUL never occurs in either part. */
const authorKey = (author: Author) =>
  author.agent ? `${author.userId}\u0000${author.agent}` : author.userId;
const authorOf = (key: string): Author => {
  const [userId = '', agent] = key.split('\u0000');
  return agent === undefined ? { userId } : { userId, agent };
};

/**
 * Who made the structs of each Yjs client id of a loaded document, so that an edit is
 * attributed to its author even when another client sends it. That happens when a
 * document reloads after a failed commit: every client that received the lost edit
 * resends it, and whichever reconnects first would otherwise be recorded as its author.
 *
 * An owner is learnt from the first connection that brings structs of a client id the
 * document has never held, and from awareness states — stamped with the authenticated
 * user where they entered the cluster (AwarenessIdentityExtension), so peers' relayed
 * awareness teaches every instance too. The first owner of a client id wins. Owners of
 * a document that is reloading are kept across the reload.
 */
export class ClientAttribution implements Extension {
  private readonly owners = new Map<string, Map<number, string>>();
  /** Documents whose owners must survive their next unload (reloading). */
  private readonly keep = new Set<string>();

  learn(documentName: string, clientId: number, author: Author): void {
    let owners = this.owners.get(documentName);
    if (!owners) {
      owners = new Map();
      this.owners.set(documentName, owners);
    }
    if (owners.has(clientId)) return;
    if (owners.size >= MAX_CLIENTS_PER_DOCUMENT) {
      // Oldest first: the sessions least likely to still be resending anything.
      const oldest = owners.keys().next().value;
      if (oldest !== undefined) owners.delete(oldest);
    }
    owners.set(clientId, authorKey(author));
  }

  /**
   * Splits an update a connection of `senderId` sent into parts by author: usually one
   * part, the whole update, by the sender. Structs of client ids another user owns go in
   * a part of their own for that user (the delete set, which carries no author, goes
   * with every part; applying it twice is harmless). Client ids the document has never
   * held become the sender's.
   */
  attribute(
    documentName: string,
    document: Y.Doc,
    sender: Author | null,
    update: Uint8Array,
    summary: UpdateSummary,
  ): { actorId: string | null; agent: string | null; update: Uint8Array }[] {
    const owners = this.owners.get(documentName);
    const senderKey = sender ? authorKey(sender) : null;
    const byAuthor = new Map<string | null, number[]>();
    for (const client of summary.clockEnds.keys()) {
      let owner = owners?.get(client);
      if (owner === undefined && sender !== null && Y.getState(document.store, client) === 0) {
        this.learn(documentName, client, sender);
        owner = senderKey ?? undefined;
      }
      const key = owner ?? senderKey;
      const clients = byAuthor.get(key);
      if (clients) clients.push(client);
      else byAuthor.set(key, [client]);
    }
    const part = (key: string | null, bytes: Uint8Array) => {
      const author = key === null ? undefined : authorOf(key);
      return { actorId: author?.userId ?? null, agent: author?.agent ?? null, update: bytes };
    };
    if (byAuthor.size <= 1) return [part(byAuthor.keys().next().value ?? senderKey, update)];
    return [...byAuthor].map(([key, clients]) => {
      const others = new Map<number, number>();
      for (const [client, end] of summary.clockEnds) if (!clients.includes(client)) others.set(client, end);
      return part(key, Y.diffUpdate(update, Y.encodeStateVector(others)));
    });
  }

  async onAwarenessUpdate({
    documentName,
    awareness,
    added,
    updated,
  }: onAwarenessUpdatePayload): Promise<void> {
    const states = awareness.getStates();
    for (const clientId of [...added, ...updated] as number[]) {
      // Stamped by the server (AwarenessIdentityExtension): id and agent are not claims.
      const user = states.get(clientId)?.user as { id?: unknown; agent?: unknown } | undefined;
      if (typeof user?.id === 'string') {
        const agent = typeof user.agent === 'string' ? user.agent : undefined;
        this.learn(documentName, clientId, { userId: user.id, agent });
      }
    }
  }

  /** The document will reload from storage: resent edits must still find their authors. */
  keepAcrossReload(documentName: string): void {
    this.keep.add(documentName);
  }

  async afterUnloadDocument({ documentName, instance }: afterUnloadDocumentPayload): Promise<void> {
    if (instance.documents.has(documentName)) return;
    if (this.keep.delete(documentName)) return;
    this.owners.delete(documentName);
  }
}
