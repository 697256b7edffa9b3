import type { Hocuspocus } from '@hocuspocus/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AgentPresence } from './agent-presence.js';

/** The part of Hocuspocus AgentPresence uses: loaded documents and their awareness. */
function documents(...names: string[]) {
  const loaded = new Map(names.map((name) => [name, { awareness: new Awareness(new Y.Doc()) }]));
  return { hocuspocus: { documents: loaded } as unknown as Hocuspocus, loaded };
}

const agentsIn = (awareness: Awareness) =>
  [...awareness.getStates().values()].map((state) => state.user).filter((user) => user?.agent);

const event = (documentId: string, key: string) => ({
  documentId,
  userId: 'u1',
  name: 'Ada',
  agent: 'Claude',
  key,
});

describe('AgentPresence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows an agent for shownMs after its last write, once per token, and then removes it', () => {
    const { hocuspocus, loaded } = documents('d1');
    const awareness = loaded.get('d1')?.awareness as Awareness;
    const changes: number[] = [];
    awareness.on('change', ({ removed }: { removed: number[] }) => changes.push(removed.length));
    const presence = new AgentPresence(hocuspocus, { shownMs: 150 });
    presence.show(event('d1', 'token-1'));
    presence.show(event('d1', 'token-1'));
    presence.show(event('unloaded', 'token-1'));
    expect(agentsIn(awareness)).toEqual([{ id: 'u1', name: 'Ada', agent: 'Claude' }]);
    vi.advanceTimersByTime(100);
    presence.show(event('d1', 'token-1'));
    vi.advanceTimersByTime(100);
    // Renewed by the second write: still shown 200 ms after the first.
    expect(agentsIn(awareness)).toHaveLength(1);
    vi.advanceTimersByTime(60);
    expect(agentsIn(awareness)).toEqual([]);
    expect(changes.at(-1)).toBe(1);
    presence.stop();
  });

  it('shows at most maxShown agents at once', () => {
    const { hocuspocus, loaded } = documents('d1');
    const presence = new AgentPresence(hocuspocus, { maxShown: 2 });
    for (const key of ['a', 'b', 'c']) presence.show(event('d1', key));
    expect(agentsIn(loaded.get('d1')?.awareness as Awareness)).toHaveLength(2);
    presence.stop();
  });
});
