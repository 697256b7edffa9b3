/**
 * Search on a streaming replica: a private primary (initdb in a temp dir), a hot standby
 * made from it with `pg_basebackup -R`, and the real API process with DATABASE_URL on
 * the primary and DATABASE_REPLICA_URL on the standby. Pausing WAL replay on the standby
 * makes replica lag on demand, which shows (1) search reads come from the replica — a
 * document written on the primary during the pause is not found until replay resumes —
 * and (2) a revocation is honoured at once despite the lag: the replica still holds the
 * permission, yet search re-checks its page on the primary and drops the document.
 */
import type { User } from '@folio/shared/db';
import { buildApiToken, buildUser, buildWorkspace, connectKysely } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, spawnApi } from './api-process.js';
import { PrivatePostgres } from './chaos/services.js';
import { eventually } from './harness.js';

let primary: PrivatePostgres;
let replica: PrivatePostgres;
let api: ApiProcess;
let owner: { user: User; token: string };
let reader: { user: User; token: string };
let workspaceId: string;

beforeAll(async () => {
  primary = await PrivatePostgres.start();
  replica = await PrivatePostgres.replicaOf(primary);
  // The API migrates the primary as it starts; the schema streams to the replica.
  const port = await freePort();
  api = await spawnApi(port, {
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: primary.url,
    DATABASE_REPLICA_URL: replica.url,
  });
  const db = connectKysely(primary.url);
  try {
    const ownerUser = await buildUser(db, { name: 'Olive Owner' });
    const readerUser = await buildUser(db, { name: 'Rex Reader' });
    owner = { user: ownerUser, token: (await buildApiToken(db, ownerUser)).token };
    reader = { user: readerUser, token: (await buildApiToken(db, readerUser, ['read'])).token };
    workspaceId = (await buildWorkspace(db, ownerUser, [readerUser])).id;
  } finally {
    await db.destroy();
  }
}, 120_000);

afterAll(async () => {
  api?.proc.kill('SIGKILL');
  await api?.exited;
  await replica?.stop();
  await primary?.stop();
});

async function call(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
}

/** A document of the owner's, readable by the reader, with `text` in it. */
async function sharedDocument(title: string, text: string): Promise<string> {
  const created = await call(owner.token, 'POST', '/v1/documents', { title, workspaceId, content: { text } });
  const id = String(created?.id);
  await call(owner.token, 'PUT', `/v1/documents/${id}/permissions/${reader.user.id}`, { role: 'viewer' });
  return id;
}

const searchIds = async (q: string) => {
  const result = (await call(reader.token, 'GET', `/v1/search?q=${encodeURIComponent(q)}`)) as {
    items: { documentId: string }[];
  };
  return result.items.map((item) => item.documentId);
};

describe('search on a streaming replica', () => {
  it('reads from the replica, and honours a revocation the replica has not replayed yet', async () => {
    const kept = await sharedDocument('Harbour cranes', 'cranes at the harbour');
    const revoked = await sharedDocument('Harbour tugs', 'tugs at the harbour');
    await eventually(
      async () => expect((await searchIds('harbour')).sort()).toEqual([kept, revoked].sort()),
      {
        timeout: 20_000,
      },
    );

    // Lag on demand: the standby stops applying WAL.
    await replica.query('select pg_wal_replay_pause()', 'folio');
    const during = await sharedDocument('Harbour pilots', 'pilots at the harbour');
    await call(owner.token, 'DELETE', `/v1/documents/${revoked}/permissions/${reader.user.id}`);
    const [lagging] = await replica.query(
      `select count(*)::int as n from document_permissions where document_id = '${revoked}' and user_id = '${reader.user.id}'`,
    );
    // The replica still grants the revoked role (so the check below can fail) …
    expect(lagging?.n).toBe(1);
    // … and search, answering from it, misses what only the primary has, yet drops the
    // document whose role the primary no longer grants.
    expect(await searchIds('harbour')).toEqual([kept]);
    expect(await searchIds('pilots')).toEqual([]);

    await replica.query('select pg_wal_replay_resume()', 'folio');
    await eventually(async () => expect((await searchIds('harbour')).sort()).toEqual([kept, during].sort()), {
      timeout: 20_000,
    });
  });
});
