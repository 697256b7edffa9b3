import { describe, expect, it } from 'vitest';
import { CommitChains } from './durable-acks.js';

/** A commit the test settles by hand. */
function pending() {
  let resolve = () => {};
  let reject = (_error: Error) => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('CommitChains', () => {
  it('releases an acknowledgement once every earlier commit of its document has resolved, in order', async () => {
    const chains = new CommitChains();
    const sent: string[] = [];
    const [a, b, c] = [pending(), pending(), pending()];
    chains.append('doc', a.promise, 10);
    chains.afterCommits('doc', () => sent.push('ack a'));
    chains.append('doc', b.promise, 10);
    chains.afterCommits('doc', () => sent.push('ack b'));
    chains.append('doc', c.promise, 10);
    chains.afterCommits('doc', () => sent.push('ack c'));
    expect(chains.pendingBytes('doc')).toBe(30);
    // Overlapping batches resolve out of order: c's commit first says nothing yet.
    c.resolve();
    await flush();
    expect(sent).toEqual([]);
    a.resolve();
    await flush();
    expect(sent).toEqual(['ack a']);
    b.resolve();
    await flush();
    expect(sent).toEqual(['ack a', 'ack b', 'ack c']);
    // Nothing waits any more: the document's chain is gone, later acks leave at once.
    expect(chains.whenCommitted('doc')).toBeUndefined();
    expect(chains.pendingBytes('doc')).toBe(0);
    chains.afterCommits('doc', () => sent.push('now'));
    expect(sent.at(-1)).toBe('now');
  });

  it('never releases what a failed commit precedes, and keeps the chain failed until forgotten', async () => {
    const chains = new CommitChains();
    const sent: string[] = [];
    const [a, b, c] = [pending(), pending(), pending()];
    chains.append('doc', a.promise, 1);
    chains.afterCommits('doc', () => sent.push('ack a'));
    chains.append('doc', b.promise, 1);
    chains.afterCommits('doc', () => sent.push('ack b'));
    const waiting = chains.whenCommitted('doc');
    chains.append('doc', c.promise, 1);
    b.reject(new Error('commit failed'));
    await expect(waiting).rejects.toThrow('a commit of the document failed');
    a.resolve();
    c.resolve();
    await flush();
    expect(sent).toEqual(['ack a']);
    chains.afterCommits('doc', () => sent.push('after the failure'));
    await flush();
    expect(sent).toEqual(['ack a']);
    await expect(chains.whenCommitted('doc')).rejects.toThrow();
    chains.forget('doc');
    chains.afterCommits('doc', () => sent.push('after a reload'));
    expect(sent).toEqual(['ack a', 'after a reload']);
  });

  it('keeps documents apart', async () => {
    const chains = new CommitChains();
    const sent: string[] = [];
    const slow = pending();
    chains.append('slow', slow.promise, 1);
    chains.afterCommits('slow', () => sent.push('slow'));
    chains.afterCommits('idle', () => sent.push('idle'));
    expect(sent).toEqual(['idle']);
    slow.resolve();
    await flush();
    expect(sent).toEqual(['idle', 'slow']);
  });
});
