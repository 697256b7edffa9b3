/**
 * Revocation reaches what a credential minted, through the real processes: an API
 * process and two collaboration instances sharing Redis, with the stock y-websocket
 * client and @hocuspocus/provider on each. Revoking an API token, logging out and
 * erasing the user close, on both instances and within 1 s, every socket opened with
 * that credential — directly or with a connect token it minted — and the stale connect
 * token is refused at reconnect. Other credentials' and other users' sockets carry on.
 */

import { type CollabEvent, createCollabBus } from '@folio/shared';
import { sessionStarter, userEraser } from '@folio/shared/commands';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  buildApiToken,
  buildUser,
  grantDocumentRole,
  testRedisConnection,
  testRedisEnv,
} from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, spawnApi } from './api-process.js';
import { type CollabFixture, createCollabFixture } from './fixture.js';
import { type CollabProcess, eventually, hocuspocusClient, rawSocket, yWebsocketClient } from './harness.js';

let f: CollabFixture;
let a: CollabProcess;
let b: CollabProcess;
let api: ApiProcess;
let redis: Redis;
let documentId: string;

beforeAll(async () => {
  f = await createCollabFixture();
  [a, b] = await Promise.all([f.spawn(), f.spawn()]);
  const port = await freePort();
  api = await spawnApi(port, {
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: f.db.url,
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: f.prefix,
    COLLAB_PUBLIC_URL: a.url,
  });
  redis = createRedis({
    ...testRedisConnection(),
    log: createLogger({ level: 'silent', name: 'e2e' }),
    name: 'e2e',
  }) as Redis;
  documentId = (await f.sharedDocument()).id;
});
afterAll(async () => {
  api?.proc.kill('SIGKILL');
  await api?.exited;
  redis?.disconnect();
  await f?.close();
});

/** One client and when it was first closed. */
interface Watched {
  name: string;
  synced(): boolean;
  closedAt: number | undefined;
  closeCodes: number[];
}

function watchYWebsocket(name: string, url: string, token: string): Watched {
  const client = f.track(yWebsocketClient(url, documentId, token));
  const watched: Watched = {
    name,
    synced: () => client.provider.synced,
    closedAt: undefined,
    closeCodes: [],
  };
  client.provider.on('connection-close', (event: { code: number } | null) => {
    watched.closedAt ??= Date.now();
    watched.closeCodes.push(event?.code ?? -1);
  });
  return watched;
}

function watchHocuspocus(name: string, url: string, token: string): Watched {
  const client = f.track(hocuspocusClient(url, documentId, token));
  const watched: Watched = {
    name,
    synced: () => client.provider.isSynced,
    closedAt: undefined,
    closeCodes: [],
  };
  client.provider.on('close', ({ event }: { event: { code: number } }) => {
    watched.closedAt ??= Date.now();
    watched.closeCodes.push(event.code);
  });
  return watched;
}

/** A y-websocket and a Hocuspocus client on each instance, all with `token`. */
function fourClients(label: string, token: string): Watched[] {
  return [
    watchYWebsocket(`${label} y-websocket on A`, a.url, token),
    watchHocuspocus(`${label} hocuspocus on A`, a.url, token),
    watchYWebsocket(`${label} y-websocket on B`, b.url, token),
    watchHocuspocus(`${label} hocuspocus on B`, b.url, token),
  ];
}

async function mintConnectToken(headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${api.url}/v1/documents/${documentId}/connect-token`, {
    method: 'POST',
    headers,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function allSynced(clients: Watched[]) {
  await eventually(() => expect(clients.filter((c) => !c.synced()).map((c) => c.name)).toEqual([]), {
    timeout: 20_000,
  });
}

/** Every one of `doomed` closes within 1 s of `start`; none of `others` has closed. */
async function expectClosedWithinASecond(doomed: Watched[], others: Watched[], start: number) {
  await eventually(
    () => expect(doomed.filter((c) => c.closedAt === undefined).map((c) => c.name)).toEqual([]),
    {
      timeout: 3_000,
    },
  );
  for (const c of doomed) expect(c.closedAt as number, c.name).toBeLessThan(start + 1_000);
  expect(others.filter((c) => c.closedAt !== undefined).map((c) => c.name)).toEqual([]);
  expect(others.every((c) => c.synced())).toBe(true);
}

/** A fresh y-websocket connection with the token is refused as unauthenticated (4401). */
async function expectRefused(token: string, url: string) {
  const socket = rawSocket(`${url}/yjs/${documentId}?token=${encodeURIComponent(token)}`);
  expect((await socket.closed).code).toBe(4401);
  // Only y-protocols' permission-denied auth message (type 2, 0) may precede the close.
  for (const frame of socket.frames) expect([...frame.slice(0, 2)]).toEqual([2, 0]);
}

describe('revocation', () => {
  // Sockets of other credentials and other users, open throughout: none may be touched.
  let bystanders: Watched[];

  beforeAll(async () => {
    const { token: editorToken } = await buildApiToken(f.db.db, f.editor);
    bystanders = fourClients('editor', await mintConnectToken(bearer(editorToken)));
    await allSynced(bystanders);
  });

  it('revoking an API token closes its own sockets and those of connect tokens it minted', async () => {
    const revoked = await buildApiToken(f.db.db, f.owner);
    const kept = await buildApiToken(f.db.db, f.owner);
    const minted = await mintConnectToken(bearer(revoked.token));
    const doomed = [
      ...fourClients('owner via minted token', minted),
      watchYWebsocket('owner, API token directly, y-websocket on A', a.url, revoked.token),
      watchHocuspocus('owner, API token directly, hocuspocus on B', b.url, revoked.token),
    ];
    // The same user through another credential stays.
    const sameUser = fourClients('owner via other token', await mintConnectToken(bearer(kept.token)));
    await allSynced([...doomed, ...sameUser]);

    const start = Date.now();
    const response = await fetch(`${api.url}/v1/tokens/${revoked.record.id}`, {
      method: 'DELETE',
      headers: bearer(kept.token),
    });
    expect(response.status).toBe(204);
    await expectClosedWithinASecond(doomed, [...sameUser, ...bystanders], start);
    await expectRefused(minted, a.url);
    await expectRefused(minted, b.url);
    await expectRefused(revoked.token, b.url);
    // Minting with the revoked token is refused as well; the other one still works.
    const again = await fetch(`${api.url}/v1/documents/${documentId}/connect-token`, {
      method: 'POST',
      headers: bearer(revoked.token),
    });
    expect(again.status).toBe(401);
    await mintConnectToken(bearer(kept.token));
  });

  it('logging out closes the sockets of connect tokens the session minted', async () => {
    const session = await sessionStarter(f.db.db, { userId: f.viewer.id });
    const other = await sessionStarter(f.db.db, { userId: f.viewer.id });
    const cookie = (secret: string) => ({
      cookie: `folio_session=${secret}`,
      origin: new URL(api.url).origin,
    });
    const minted = await mintConnectToken(cookie(session.secret));
    const doomed = fourClients('viewer via session', minted);
    const otherSession = fourClients(
      'viewer via other session',
      await mintConnectToken(cookie(other.secret)),
    );
    await allSynced([...doomed, ...otherSession]);

    const start = Date.now();
    const response = await fetch(`${api.url}/auth/logout`, {
      method: 'POST',
      headers: cookie(session.secret),
    });
    expect(response.status).toBe(204);
    await expectClosedWithinASecond(doomed, [...otherSession, ...bystanders], start);
    await expectRefused(minted, a.url);
    await expectRefused(minted, b.url);
    const afterLogout = await fetch(`${api.url}/v1/me`, { headers: cookie(session.secret) });
    expect(afterLogout.status).toBe(401);
  });

  it('erasing the user closes every socket of theirs on both instances', async () => {
    const leaving = await buildUser(f.db.db, { name: 'Lea Leaving' });
    await grantDocumentRole(f.db.db, documentId, leaving.id, 'editor');
    const { token } = await buildApiToken(f.db.db, leaving);
    const minted = await mintConnectToken(bearer(token));
    const doomed = [
      ...fourClients('erased user', minted),
      watchYWebsocket('erased, API token', b.url, token),
    ];
    await allSynced(doomed);

    // What the erasure worker runs, announcing on the instances' bus.
    const bus = createCollabBus({
      redis,
      prefix: f.prefix,
      log: createLogger({ level: 'silent', name: 'e2e' }),
    });
    const seen: CollabEvent[] = [];
    const unsubscribe = await bus.subscribe((event) => seen.push(event));
    try {
      const start = Date.now();
      await userEraser(f.db.db, { userId: leaving.id, actorId: null }, { bus });
      await eventually(() => expect(seen).toContainEqual({ type: 'revoke', userId: leaving.id }));
      await expectClosedWithinASecond(doomed, bystanders, start);
    } finally {
      await unsubscribe();
      await bus.close();
    }
    await expectRefused(minted, a.url);
    await expectRefused(token, b.url);
  });
});
