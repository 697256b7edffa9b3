import { signConnectToken } from '@folio/shared';
import { documentStateLoader, sessionStarter } from '@folio/shared/commands';
import {
  buildDocument,
  buildUser,
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  type CollabProcess,
  eventually,
  hocuspocusClient,
  percentile,
  SECRET_KEY,
  spawnCollab,
} from './harness.js';

/**
 * An opt-in measurement (FOLIO_LOAD=1): many Hocuspocus clients typing into one document
 * through two instances. Reports acknowledgement latency (insert → SyncStatus, i.e.
 * committed to Postgres) and propagation latency (insert → seen by a client on the other
 * instance). Skipped in `pnpm test`: it takes tens of seconds and its numbers depend on
 * the machine.
 */
const CLIENTS = Number(process.env.FOLIO_LOAD_CLIENTS ?? 50);
const RATE = 10;
const SECONDS = Number(process.env.FOLIO_LOAD_SECONDS ?? 10);
/** Writers are spread over this many documents (writer i edits document i mod DOCS). */
const DOCS = Number(process.env.FOLIO_LOAD_DOCS ?? 1);

let db: TestDatabase;
const processes: CollabProcess[] = [];
const destroyers: (() => void)[] = [];

describe.skipIf(!process.env.FOLIO_LOAD)('load', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const d of destroyers) d();
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await db.drop();
  });

  it(`${CLIENTS} clients × ${RATE} inserts/s on two instances`, { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: testRedisPrefix() };
    const [a, b] = await Promise.all([spawnCollab(env), spawnCollab(env)]);
    processes.push(a, b);
    const owner = await buildUser(db.db);
    const documents: Awaited<ReturnType<typeof buildDocument>>[] = [];
    for (let d = 0; d < DOCS; d++) documents.push(await buildDocument(db.db, owner));
    const { sessionId } = await sessionStarter(db.db, { userId: owner.id });
    const tokenFor = (documentId: string) =>
      signConnectToken(
        { userId: owner.id, documentId, role: 'owner', credentialId: sessionId, ttlSeconds: 600 },
        SECRET_KEY,
      ).token;
    const tokens = documents.map((d) => tokenFor(d.id));
    const writers = Array.from({ length: CLIENTS }, (_, i) =>
      hocuspocusClient(i % 2 ? b.url : a.url, documents[i % DOCS]?.id ?? '', tokens[i % DOCS] ?? ''),
    );
    // Writers on A are observed from B (on the first document; with an even DOCS only
    // writers on A edit it).
    const document = documents[0] ?? (await buildDocument(db.db, owner));
    const observer = hocuspocusClient(b.url, document.id, tokens[0] ?? '');
    for (const c of [...writers, observer]) destroyers.push(c.destroy);
    await eventually(() => expect([...writers, observer].every((c) => c.provider.isSynced)).toBe(true), {
      timeout: 30_000,
    });

    const sentAt = new Map<string, number>();
    const propagation: number[] = [];
    const acks: number[] = [];
    observer.doc.getText('t').observe((event: Y.YTextEvent) => {
      const now = performance.now();
      for (const op of event.delta) {
        if (typeof op.insert !== 'string') continue;
        for (const marker of op.insert.match(/<\d+:\d+>/g) ?? []) {
          const sent = sentAt.get(marker);
          if (sent !== undefined) propagation.push(now - sent);
        }
      }
    });
    let n = 0;
    const timers = writers.map((w, i) =>
      setInterval(() => {
        const marker = `<${i}:${n++}>`;
        const text = w.doc.getText('t');
        const started = performance.now();
        if (i % 2 === 0) sentAt.set(marker, started);
        text.insert(Math.floor(Math.random() * (text.length + 1)), marker);
        const onAck = ({ number }: { number: number }) => {
          if (number === 0) {
            acks.push(performance.now() - started);
            w.provider.off('unsyncedChanges', onAck);
          }
        };
        w.provider.on('unsyncedChanges', onAck);
      }, 1000 / RATE),
    );
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    for (const t of timers) clearInterval(t);
    await eventually(() => expect(writers.every((w) => w.provider.unsyncedChanges === 0)).toBe(true), {
      timeout: 30_000,
    });
    await eventually(async () => {
      const stored = await documentStateLoader(db.db, document.id);
      expect(stored.doc.getText('t').length).toBe(observer.doc.getText('t').length);
    });
    propagation.sort((x, y) => x - y);
    acks.sort((x, y) => x - y);
    const f = (v: number) => v.toFixed(1);
    console.log(
      `load: ${CLIENTS} clients on ${DOCS} document(s), ${n} inserts in ${SECONDS} s; ` +
        `ack p50 ${f(percentile(acks, 50))} ms p99 ${f(percentile(acks, 99))} ms (${acks.length}); ` +
        `propagation A→B p50 ${f(percentile(propagation, 50))} ms p99 ${f(percentile(propagation, 99))} ms (${propagation.length})`,
    );
    if (process.env.FOLIO_LOAD_METRICS) {
      const metrics = await (await fetch(`${a.url.replace(/^ws/, 'http')}/metrics`)).text();
      console.log(
        metrics
          .split('\n')
          .filter((l) => /^folio_(store|update_apply)/.test(l))
          .join('\n'),
      );
    }
    expect(propagation.length).toBeGreaterThan(0);
  });
});
