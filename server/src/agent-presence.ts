import { createHash } from 'node:crypto';
import type { Hocuspocus } from '@hocuspocus/server';
import * as encoding from 'lib0/encoding';
import { type Awareness, applyAwarenessUpdate } from 'y-protocols/awareness';

export interface AgentPresenceConfiguration {
  /** How long an agent stays in the awareness after its last write. */
  shownMs: number;
  /** Agents shown at once on this instance, over all documents; more are not shown. */
  maxShown: number;
}

/** Transaction origin of the presence states this instance announces. */
const PRESENCE_ORIGIN = { source: 'agent-presence' } as const;

/**
 * Shows agent tokens that write a document over REST in its awareness, so people in the
 * editor see them: `user: { id, name, agent }` for `shownMs` after each write (the API
 * announces writes on the collab bus; every instance with the document loaded shows it
 * to its own connections).
 *
 * The awareness client id is derived from the token id, so every instance announces
 * the same client and editors show one entry per agent token however many instances
 * relay it; clocks are milliseconds, so the latest announcement wins everywhere.
 */
export class AgentPresence {
  private readonly configuration: AgentPresenceConfiguration;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly hocuspocus: Hocuspocus,
    configuration: Partial<AgentPresenceConfiguration> = {},
  ) {
    this.configuration = { shownMs: 10_000, maxShown: 1_000, ...configuration };
  }

  show(event: { documentId: string; userId: string; name: string; agent: string; key: string }): void {
    const document = this.hocuspocus.documents.get(event.documentId);
    if (!document) return;
    const clientId = awarenessClientId(event.key);
    const timerKey = `${event.documentId}\u0000${clientId}`;
    const previous = this.timers.get(timerKey);
    if (!previous && this.timers.size >= this.configuration.maxShown) return;
    clearTimeout(previous);
    announce(document.awareness, clientId, {
      user: { id: event.userId, name: event.name, agent: event.agent },
    });
    const timer = setTimeout(() => {
      this.timers.delete(timerKey);
      // The document may have been unloaded meanwhile: its awareness went with it.
      const current = this.hocuspocus.documents.get(event.documentId);
      if (current) announce(current.awareness, clientId, null);
    }, this.configuration.shownMs);
    timer.unref();
    this.timers.set(timerKey, timer);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/** A stable awareness client id for a credential (31 bits, as Yjs client ids are). */
function awarenessClientId(key: string): number {
  return createHash('sha256').update(`agent-presence:${key}`).digest().readUInt32BE(0) >>> 1;
}

/** Sets (or, with null, removes) one client's awareness state, as a y-protocols update. */
function announce(awareness: Awareness, clientId: number, state: Record<string, unknown> | null): void {
  const clock = Math.max((awareness.meta.get(clientId)?.clock ?? 0) + 1, Date.now());
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, clock);
  encoding.writeVarString(encoder, JSON.stringify(state));
  applyAwarenessUpdate(awareness, encoding.toUint8Array(encoder), PRESENCE_ORIGIN);
}
