import { documentStateLoader } from '@folio/shared/commands';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type CollabFixture, createCollabFixture } from './fixture.js';
import { eventually, hocuspocusClient, rawSocket, syncFrame, yWebsocketClient } from './harness.js';

let f: CollabFixture;
beforeAll(async () => {
  f = await createCollabFixture();
});
afterAll(() => f.close());

describe('process lifecycle', () => {
  it('logs JSON lines on stdout only, including what Hocuspocus reports', async () => {
    const document = await f.sharedDocument();
    // Small enough that one edit is refused: Hocuspocus reports the refusing hook's
    // error and the closed connection (with a stack) through the console.
    const p = await f.spawn({ MAX_DOCUMENT_BYTES: '1024' });
    const hp = f.track(hocuspocusClient(p.url, document.id, f.token(f.owner, document.id, 'owner')));
    const codes: number[] = [];
    hp.provider.on('close', ({ event }: { event: { code: number } }) => codes.push(event.code));
    await eventually(() => expect(hp.provider.isSynced).toBe(true));
    hp.doc.getText('t').insert(0, 'x'.repeat(4_096));
    await eventually(() => expect(codes).toContain(1009));
    hp.destroy();
    await eventually(() =>
      expect(p.logs.map((l) => l.msg)).toContain(
        'closing a connection whose update would make the document too large',
      ),
    );
    p.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect(p.strayLines).toEqual([]);
    expect(p.stderr()).toBe('');
  });

  it('loses no acknowledged edit when an instance is killed with SIGKILL', async () => {
    const document = await f.sharedDocument();
    const c = await f.spawn();
    const hp = f.track(hocuspocusClient(c.url, document.id, f.token(f.owner, document.id, 'owner')));
    await eventually(() => expect(hp.provider.isSynced).toBe(true));
    for (let i = 0; i < 100; i++) hp.doc.getText('t').insert(i, String(i % 10));
    // unsyncedChanges reaches 0 when every update has been acknowledged (SyncStatus).
    await eventually(() => expect(hp.provider.unsyncedChanges).toBe(0));
    const expected = hp.doc.getText('t').toString();
    c.kill('SIGKILL');
    await c.exited;
    hp.destroy();
    const stored = await documentStateLoader(f.db.db, document.id);
    expect(stored.doc.getText('t').toString()).toBe(expected);
    expect(expected).toHaveLength(100);
  });

  it('loses no acknowledged edit when an instance is killed mid-typing, on either protocol', async () => {
    const document = await f.sharedDocument();
    const c = await f.spawn();
    const token = f.token(f.owner, document.id, 'owner');
    // Hocuspocus: acknowledgements (SyncStatus) arrive in order, so after the provider's
    // count of unsynced changes drops to n, all but the last n updates sent are acknowledged.
    const hp = f.track(hocuspocusClient(c.url, document.id, token));
    await eventually(() => expect(hp.provider.isSynced && hp.provider.unsyncedChanges === 0).toBe(true));
    const hpSent: string[] = [];
    let hpAcked = 0;
    hp.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      hpAcked = Math.max(hpAcked, hpSent.length - number);
    });
    // y-websocket: the server's SyncStep2 answering a SyncStep1 acknowledges every update
    // sent before that SyncStep1.
    const raw = rawSocket(`${c.url}/yjs/${document.id}?token=${token}`);
    await raw.opened;
    const ydoc = new Y.Doc();
    const ySent: string[] = [];
    let yAcked = 0;
    const probes: number[] = [];
    raw.ws.on('message', (data: Buffer) => {
      if (data[0] !== 0 || data[1] !== 1) return;
      const covered = probes.shift();
      if (covered !== undefined) yAcked = Math.max(yAcked, covered);
    });
    ydoc.on('update', (update: Uint8Array) => raw.ws.send(syncFrame(2, update)));
    const typing = setInterval(() => {
      for (let k = 0; k < 3; k++) {
        const h = `h${hpSent.length};`;
        hpSent.push(h);
        hp.doc.getText('t').insert(hp.doc.getText('t').length, h);
        const y = `y${ySent.length};`;
        ySent.push(y);
        ydoc.getText('t').insert(ydoc.getText('t').length, y);
      }
      probes.push(ySent.length);
      raw.ws.send(syncFrame(0, Y.encodeStateVector(new Y.Doc())));
    }, 5);
    try {
      // Killed while edits are in flight, some acknowledged and some not.
      await eventually(() => expect(hpAcked > 50 && yAcked > 50).toBe(true), { timeout: 20_000 });
    } finally {
      clearInterval(typing);
      c.kill('SIGKILL');
    }
    await c.exited;
    hp.destroy();
    expect(hpSent.length).toBeGreaterThan(hpAcked);
    const stored = (await documentStateLoader(f.db.db, document.id)).doc.getText('t').toString();
    const missing = [...hpSent.slice(0, hpAcked), ...ySent.slice(0, yAcked)].filter(
      (t) => !stored.includes(t),
    );
    expect(missing).toEqual([]);
  });

  it('drains on SIGTERM: closes both protocols with 1012, stores every document, exits 0 within 10 s', async () => {
    const document = await f.sharedDocument();
    const d = await f.spawn();
    const hp = f.track(hocuspocusClient(d.url, document.id, f.token(f.owner, document.id, 'owner')));
    const yw = f.track(yWebsocketClient(d.url, document.id, f.token(f.editor, document.id, 'editor')));
    const codes: number[] = [];
    hp.provider.on('close', ({ event }: { event: { code: number } }) => codes.push(event.code));
    yw.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? -1));
    await eventually(() => expect(yw.provider.synced && hp.provider.isSynced).toBe(true));
    hp.doc.getText('t').insert(0, 'drain me');
    await eventually(() => expect(yw.doc.getText('t').toString()).toBe('drain me'));

    const started = Date.now();
    d.kill('SIGTERM');
    const exit = await d.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await eventually(() => expect(codes.slice(0, 2).sort()).toEqual([1012, 1012]));
    hp.destroy();
    yw.destroy();
    // The shutdown compaction's snapshot holds every row of the log.
    const state = await f.db.db
      .selectFrom('document_states')
      .select('seq')
      .where('document_id', '=', document.id)
      .executeTakeFirstOrThrow();
    const last = await f.db.db
      .selectFrom('document_updates')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('document_id', '=', document.id)
      .executeTakeFirstOrThrow();
    expect(Number(state.seq)).toBe(Number(last.seq));
  });
});
