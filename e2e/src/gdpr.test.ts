/**
 * GDPR erasure through the real processes: `node api/dist/main.js`,
 * `node server/dist/main.js` and `node worker/dist/main.js` (which carries the erasure
 * out, from the job queue) sharing Postgres and Redis, and the stock y-websocket
 * client. The erased user's open socket ends at once, its reconnects are refused, and
 * afterwards neither Postgres nor Redis holds their email, name or deleted text.
 */
import { documentCreator, documentStateLoader } from '@folio/shared/commands';
import { findPersonalWorkspace } from '@folio/shared/db';
import { documentText } from '@folio/shared/documents';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import { buildApiToken, buildUser, findInDatabase, findInRedis, TEST_REDIS_URL } from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiProcess, freePort, spawnApi } from './api-process.js';
import { type CollabFixture, createCollabFixture } from './fixture.js';
import { type CollabProcess, eventually, SECRET_KEY, yWebsocketClient } from './harness.js';
import { type Spawned, spawnProcess } from './processes.js';

let f: CollabFixture;
let collab: CollabProcess;
let api: ApiProcess;
let redis: Redis;
let worker: Spawned;
beforeAll(async () => {
  f = await createCollabFixture();
  collab = await f.spawn();
  api = await spawnApi(await freePort(), {
    DATABASE_URL: f.db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: f.prefix,
    COLLAB_PUBLIC_URL: collab.url,
  });
  worker = spawnProcess('node', ['worker/dist/main.js'], {
    DATABASE_URL: f.db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: f.prefix,
    SECRET_KEY,
  });
  await worker.waitFor(/worker running/, 30_000);
  redis = createRedis({
    url: TEST_REDIS_URL,
    log: createLogger({ level: 'silent', name: 'e2e' }),
    name: 'e2e',
  }) as Redis;
});
afterAll(async () => {
  api?.proc.kill('SIGKILL');
  await api?.exited;
  await worker?.stop('SIGKILL');
  redis?.disconnect();
  await f?.close();
});

const textOf = async (documentId: string) => {
  const { doc } = await documentStateLoader(f.db.db, documentId);
  try {
    return documentText(doc);
  } finally {
    doc.destroy();
  }
};

it('closes the erased user’s y-websocket at once, refuses the reconnect, and leaves no trace', async () => {
  const victim = await buildUser(f.db.db, {
    name: 'Vivian Vanishing',
    email: 'vivian.vanishing@example.test',
  });
  const officer = await buildUser(f.db.db, { role: 'compliance' });
  const { token: officerToken } = await buildApiToken(f.db.db, officer, ['read', 'admin']);
  const { token: victimApiToken } = await buildApiToken(f.db.db, victim);
  await f.enroll(victim);
  const own = await documentCreator(f.db.db, {
    workspaceId: (await findPersonalWorkspace(f.db.db, victim.id))?.id ?? '',
    title: 'Vivian private',
    actorId: victim.id,
  });
  const shared = await f.sharedDocument();
  await f.db.db
    .insertInto('document_permissions')
    .values({ document_id: shared.id, user_id: victim.id, role: 'editor', granted_by: f.owner.id })
    .execute();

  const mine = f.track(yWebsocketClient(collab.url, own.id, f.token(victim, own.id, 'owner')));
  const onShared = f.track(yWebsocketClient(collab.url, shared.id, f.token(victim, shared.id, 'editor')));
  const watcher = f.track(yWebsocketClient(collab.url, shared.id, f.token(f.owner, shared.id, 'owner')));
  await eventually(() =>
    expect(mine.provider.synced && onShared.provider.synced && watcher.provider.synced).toBe(true),
  );
  mine.doc.getText('default').insert(0, 'vivian typed this alone');
  onShared.doc.getText('default').insert(0, 'a shared contribution');
  onShared.provider.awareness.setLocalStateField('cursor', { anchor: 0 });
  await eventually(async () => {
    expect(await textOf(own.id)).toContain('vivian typed this alone');
    expect(await textOf(shared.id)).toContain('a shared contribution');
  });
  // The server stamps awareness with the user's name: it travels, but must never be stored.
  await eventually(() => {
    const names = [...watcher.provider.awareness.getStates().values()].map((s) => s.user?.name);
    expect(names).toContain('Vivian Vanishing');
  });

  const codes: number[] = [];
  onShared.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? -1));
  const started = Date.now();
  const accepted = await fetch(`${api.url}/v1/gdpr/erasures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'vivian.vanishing@example.test' }),
  });
  expect(accepted.status).toBe(202);
  const { id } = (await accepted.json()) as { id: string };

  // Closed at once (access revoked; y-websocket treats 44xx as final), and a deliberate
  // reconnect with the same token is refused: the user is gone.
  await eventually(() => expect(codes[0]).toBe(4403), { timeout: 5_000 });
  expect(Date.now() - started).toBeLessThan(5_000);
  onShared.provider.connect();
  await eventually(() => expect(codes[1]).toBe(4401), { timeout: 10_000 });
  expect(onShared.provider.synced).toBe(false);
  onShared.destroy();
  mine.destroy();

  const status = await eventually(async () => {
    const response = await fetch(`${api.url}/v1/gdpr/erasures/${id}`, {
      headers: { authorization: `Bearer ${officerToken}` },
    });
    const body = (await response.json()) as { status: string; report: Record<string, number> };
    expect(body.status).toBe('done');
    return body;
  });
  expect(status.report).toMatchObject({ documentsDeleted: 1, documentsRetained: 0, permissionsRemoved: 1 });
  const me = await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${victimApiToken}` } });
  expect(me.status).toBe(401);

  // The shared content stays; the watcher no longer sees the erased user's presence.
  expect(await textOf(shared.id)).toContain('a shared contribution');
  await eventually(() => {
    const names = [...watcher.provider.awareness.getStates().values()].map((s) => s.user?.name);
    expect(names).not.toContain('Vivian Vanishing');
  });
  const needles = [
    'vivian.vanishing@example.test',
    'Vivian Vanishing',
    'vivian typed this alone',
    'Vivian private',
  ];
  expect(await findInDatabase(f.db.db, needles)).toEqual([]);
  expect(await findInRedis(redis, f.prefix, [...needles, victim.id, own.id])).toEqual([]);
});
