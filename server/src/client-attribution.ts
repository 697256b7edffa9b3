import type { UpdateSummary } from '@folio/shared';
import type { afterUnloadDocumentPayload, Extension, onAwarenessUpdatePayload } from '@hocuspocus/server';
import * as Y from 'yjs';

/** Client ids remembered per document; a session adds one, so this is many sessions. */
const MAX_CLIENTS_PER_DOCUMENT = 10_000;

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

  learn(documentName: string, clientId: number, userId: string): void {
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
    owners.set(clientId, userId);
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
    senderId: string | null,
    update: Uint8Array,
    summary: UpdateSummary,
  ): { actorId: string | null; update: Uint8Array }[] {
    const owners = this.owners.get(documentName);
    const byActor = new Map<string | null, number[]>();
    for (const client of summary.clockEnds.keys()) {
      let owner = owners?.get(client);
      if (owner === undefined && senderId !== null && Y.getState(document.store, client) === 0) {
        this.learn(documentName, client, senderId);
        owner = senderId;
      }
      const actor = owner ?? senderId;
      const clients = byActor.get(actor);
      if (clients) clients.push(client);
      else byActor.set(actor, [client]);
    }
    if (byActor.size <= 1) {
      return [{ actorId: byActor.keys().next().value ?? senderId, update }];
    }
    return [...byActor].map(([actorId, clients]) => {
      const others = new Map<number, number>();
      for (const [client, end] of summary.clockEnds) if (!clients.includes(client)) others.set(client, end);
      return { actorId, update: Y.diffUpdate(update, Y.encodeStateVector(others)) };
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
      const user = states.get(clientId)?.user as { id?: unknown } | undefined;
      if (typeof user?.id === 'string') this.learn(documentName, clientId, user.id);
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
