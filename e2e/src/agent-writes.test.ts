/**
 * An AI agent editing a document people are typing in, through the real processes
 * (`node api/dist/main.js`, `node server/dist/main.js`, Postgres, Redis) and the stock
 * y-websocket client: the agent reads Markdown and its ETag, people type meanwhile, the
 * agent writes back with If-Match. Everyone's text survives, the editors converge, the
 * diff says who typed what, and the editors saw the agent in the awareness.
 */
import { apiTokenIssuer } from '@folio/shared/commands';
import {
  buildDocument,
  buildUser,
  buildWorkspace,
  createTestDatabase,
  grantDocumentRole,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type * as Y from 'yjs';
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

const request = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${api.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });

/** A person's editor: the stock WebsocketProvider, connected through the API's connect token. */
async function editorFor(token: string, documentId: string) {
  const response = await request(token, `/v1/documents/${documentId}/connect-token`, { method: 'POST' });
  const connect = (await response.json()) as { url: string; documentName: string; token: string };
  const editor = yWebsocketClient(connect.url, connect.documentName, connect.token);
  destroyers.push(editor.destroy);
  await eventually(() => expect(editor.provider.synced).toBe(true));
  const agentsSeen = new Set<string>();
  editor.provider.awareness.on('change', () => {
    for (const state of editor.provider.awareness.getStates().values()) {
      const user = state.user as { agent?: string; id?: string } | undefined;
      if (user?.agent) agentsSeen.add(`${user.id}:${user.agent}`);
    }
  });
  return { ...editor, agentsSeen, fragment: editor.doc.getXmlFragment('default') };
}

function typeAtEnd(fragment: Y.XmlFragment, block: number, text: string) {
  const inline = (fragment.get(block) as Y.XmlElement).get(0) as Y.XmlText;
  inline.insert(inline.length, text);
}

it('two people type while an agent rewrites the document with If-Match: nothing is lost', async () => {
  const ada = await buildUser(db.db, { name: 'Ada' });
  const bob = await buildUser(db.db, { name: 'Bob' });
  const workspace = await buildWorkspace(db.db, ada, [bob]);
  const document = await buildDocument(db.db, ada, { workspaceId: workspace.id });
  await grantDocumentRole(db.db, document.id, bob.id, 'editor');
  const adaToken = (await apiTokenIssuer(db.db, { userId: ada.id, scopes: ['read', 'write'], actorId: null }))
    .token;
  const bobToken = (await apiTokenIssuer(db.db, { userId: bob.id, scopes: ['read', 'write'], actorId: null }))
    .token;
  const agentToken = (
    await apiTokenIssuer(db.db, { userId: ada.id, scopes: ['read', 'write'], actorId: null, agent: 'Claude' })
  ).token;
  const put = await request(adaToken, `/v1/documents/${document.id}/content`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ markdown: '# Launch\n\nShip on Friday\n\nTell the team' }),
  });
  expect(put.status).toBe(200);

  const adaEditor = await editorFor(adaToken, document.id);
  const bobEditor = await editorFor(bobToken, document.id);
  await eventually(() => expect(bobEditor.fragment.length).toBe(3));

  // The agent reads…
  const read = await request(agentToken, `/v1/documents/${document.id}/content?format=markdown`);
  const etag = read.headers.get('etag') as string;
  const markdown = await read.text();
  expect(markdown).toBe('# Launch\n\nShip on Friday\n\nTell the team');

  // …people type while it thinks…
  typeAtEnd(adaEditor.fragment, 1, ' at noon');
  typeAtEnd(bobEditor.fragment, 2, ' and the press');
  const textOf = async () => (await request(adaToken, `/v1/documents/${document.id}/content`)).text();
  await eventually(async () =>
    expect(await textOf()).toBe('Launch\nShip on Friday at noon\nTell the team and the press'),
  );

  // …and it writes back its edit of what it read.
  const write = await request(agentToken, `/v1/documents/${document.id}/content`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'if-match': etag },
    body: JSON.stringify({ markdown: markdown.replace('# Launch', '# Launch plan') }),
  });
  expect(write.status).toBe(200);

  const expected = 'Launch plan\nShip on Friday at noon\nTell the team and the press';
  await eventually(async () => expect(await textOf()).toBe(expected));
  await eventually(() => {
    expect(adaEditor.fragment.toString()).toBe(bobEditor.fragment.toString());
    expect(adaEditor.fragment.toString()).toContain('Launch plan');
    expect(adaEditor.fragment.toString()).toContain('and the press');
  });
  // The editors saw the agent, as Ada's.
  await eventually(() => {
    expect(adaEditor.agentsSeen).toContain(`${ada.id}:Claude`);
    expect(bobEditor.agentsSeen).toContain(`${ada.id}:Claude`);
  });

  const diff = await request(adaToken, `/v1/documents/${document.id}/diff?from=${encodeURIComponent(etag)}`);
  const { changes } = (await diff.json()) as {
    changes: { op: string; text: string; actorId: string; agent: string | null }[];
  };
  expect(changes.map(({ op, text, actorId, agent }) => ({ op, text, actorId, agent }))).toEqual([
    { op: 'insert', text: ' plan', actorId: ada.id, agent: 'Claude' },
    { op: 'insert', text: ' at noon', actorId: ada.id, agent: null },
    { op: 'insert', text: ' and the press', actorId: bob.id, agent: null },
  ]);
});

it('marks an agent token connected over the WebSocket as the agent in the awareness, and nobody else', async () => {
  const ada = await buildUser(db.db, { name: 'Ada Live' });
  const document = await buildDocument(db.db, ada);
  const human = (await apiTokenIssuer(db.db, { userId: ada.id, scopes: ['read', 'write'], actorId: null }))
    .token;
  const agent = (
    await apiTokenIssuer(db.db, { userId: ada.id, scopes: ['read', 'write'], actorId: null, agent: 'Scribe' })
  ).token;
  const viewer = await editorFor(human, document.id);
  // The agent software edits live with its API token; the person claims to be an agent.
  const live = yWebsocketClient(collab.url, document.id, agent);
  destroyers.push(live.destroy);
  await eventually(() => expect(live.provider.synced).toBe(true));
  live.provider.awareness.setLocalStateField('user', { name: 'Someone else' });
  viewer.provider.awareness.setLocalStateField('user', { agent: 'Not really' });
  await eventually(() => {
    const users = [...viewer.provider.awareness.getStates().values()].map((state) => state.user);
    expect(users).toContainEqual({ id: ada.id, name: 'Ada Live', agent: 'Scribe' });
  });
  await eventually(() => {
    const users = [...live.provider.awareness.getStates().values()].map((state) => state.user);
    expect(users).toContainEqual({ id: ada.id, name: 'Ada Live' });
  });
});
