/**
 * Version history through the real processes: `node api/dist/main.js` and
 * `node server/dist/main.js` sharing Postgres and Redis, with the stock y-websocket
 * client. A restore made over REST reaches a connected editor live, as a new change
 * that the editor keeps editing on top of.
 */
import { apiTokenIssuer } from '@folio/shared/commands';
import {
  buildUser,
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiProcess, freePort, spawnApi } from './api-process.js';
import { type CollabProcess, eventually, spawnCollab, yWebsocketClient } from './harness.js';

let db: TestDatabase;
let collab: CollabProcess;
let api: ApiProcess;
const destroyers: (() => void)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const prefix = testRedisPrefix();
  collab = await spawnCollab({ DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  const port = await freePort();
  api = await spawnApi(port, {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    COLLAB_PUBLIC_URL: collab.url,
  });
});

afterAll(async () => {
  for (const destroy of destroyers) destroy();
  collab?.kill('SIGKILL');
  api?.proc.kill('SIGKILL');
  await Promise.all([collab?.exited, api?.exited]);
  await db?.drop();
});

it('a restore over REST reaches a connected y-websocket client live', async () => {
  const owner = await buildUser(db.db, { name: 'Rita Restorer' });
  const { token } = await apiTokenIssuer(db.db, {
    userId: owner.id,
    scopes: ['read', 'write'],
    actorId: null,
  });
  const call = async <T>(path: string, init: { method?: string; json?: unknown } = {}, status = 200) => {
    const response = await fetch(`${api.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
    const text = await response.text();
    expect(response.status, text).toBe(status);
    return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  };

  const document = await call<{ id: string }>(
    '/v1/documents',
    { method: 'POST', json: { title: 'Minutes' } },
    201,
  );
  const connect = await call<{ token: string; url: string; documentName: string }>(
    `/v1/documents/${document.id}/connect-token`,
    { method: 'POST' },
  );
  const editor = yWebsocketClient(connect.url, connect.documentName, connect.token);
  destroyers.push(editor.destroy);
  await eventually(() => expect(editor.provider.synced).toBe(true));
  const body = editor.doc.getText('body');

  body.insert(0, 'agreed: ship on Friday');
  await eventually(async () =>
    expect(await call<string>(`/v1/documents/${document.id}/content?format=text`)).toBe(
      'agreed: ship on Friday',
    ),
  );
  const version = await call<{ id: string }>(
    `/v1/documents/${document.id}/versions`,
    { method: 'POST', json: { label: 'agreed' } },
    201,
  );

  body.delete(0, body.length);
  body.insert(0, 'nothing agreed');
  await eventually(async () =>
    expect(await call<string>(`/v1/documents/${document.id}/content?format=text`)).toBe('nothing agreed'),
  );

  // The editor stays connected and sees the restored text arrive as an ordinary update.
  const changes: string[] = [];
  body.observe(() => changes.push(body.toString()));
  const restored = await call<{ changed: boolean }>(`/v1/documents/${document.id}/restore`, {
    method: 'POST',
    json: { versionId: version.id },
  });
  expect(restored.changed).toBe(true);
  await eventually(() => expect(body.toString()).toBe('agreed: ship on Friday'));
  expect(changes.length).toBeGreaterThan(0);
  expect(editor.provider.wsconnected).toBe(true);

  // Editing continues on top of the restored state, and the server agrees.
  body.insert(body.length, '!');
  await eventually(async () =>
    expect(await call<string>(`/v1/documents/${document.id}/content?format=text`)).toBe(
      'agreed: ship on Friday!',
    ),
  );
  const audit = await db.db
    .selectFrom('audit_events')
    .select(['action', 'actor_id'])
    .where('document_id', '=', document.id)
    .where('action', '=', 'document.restore')
    .execute();
  expect(audit).toEqual([{ action: 'document.restore', actor_id: owner.id }]);
});
