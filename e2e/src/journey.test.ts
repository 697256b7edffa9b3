/**
 * The user journey through the real processes: `node api/dist/main.js` and
 * `node server/dist/main.js` sharing Postgres and Redis, a real OpenID provider, and
 * the stock y-websocket client. Sign in, create a workspace and a document, share it
 * with a second user as viewer, both connect; REST content matches the editors, a REST
 * write shows up live, and the viewer's edits go nowhere.
 */
import {
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { type ApiProcess, freePort, isAddressInUse, spawnApi } from './api-process.js';
import { type CollabProcess, spawnCollab, yWebsocketClient } from './harness.js';
import { type CookieJar, type OidcTestProvider, signIn, startE2eOidcProvider } from './sso.js';

let db: TestDatabase;
let oidc: OidcTestProvider;
let collab: CollabProcess;
let api: ApiProcess;
const destroyers: (() => void)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const prefix = testRedisPrefix();
  collab = await spawnCollab({ DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  // The API's port is chosen before it starts (it is in the OIDC redirect URI), so
  // another process may take it first: then start over on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    oidc = await startE2eOidcProvider(`${publicUrl}/auth/callback`, {
      alice: 'Alice Owner',
      bob: 'Bob Viewer',
    });
    try {
      api = await spawnApi(port, {
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        PUBLIC_URL: publicUrl,
        COLLAB_PUBLIC_URL: collab.url,
        OIDC_ISSUER: oidc.issuer,
        OIDC_CLIENT_ID: oidc.clientId,
        OIDC_CLIENT_SECRET: oidc.clientSecret,
      });
      break;
    } catch (error) {
      if (!isAddressInUse(error) || attempt === 5) throw error;
      await oidc.close();
    }
  }
});

afterAll(async () => {
  for (const destroy of destroyers) destroy();
  collab?.kill('SIGKILL');
  api?.proc.kill('SIGKILL');
  await Promise.all([collab?.exited, api?.exited]);
  await oidc?.close();
  await db?.drop();
});

/** A browser session: the cookie, and our Origin on writes (CSRF check). */
function browser(jar: CookieJar) {
  return async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        cookie: jar.header(),
        origin: api.url,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
    return response;
  };
}

const json = async <T>(response: Promise<Response>, status = 200): Promise<T> => {
  const r = await response;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
};

/** Text of the editor's rich-text fragment, block per line — what GET ?format=text returns for it. */
const fragmentText = (doc: Y.Doc) =>
  doc
    .getXmlFragment('default')
    .toArray()
    .map((block) =>
      block instanceof Y.XmlElement
        ? block
            .toArray()
            .map((t) =>
              t instanceof Y.XmlText
                ? t
                    .toDelta()
                    .map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : ''))
                    .join('')
                : '',
            )
            .join('')
        : '',
    )
    .join('\n');

it('signs in, shares, edits live over REST and y-websocket, and ignores the viewer', async () => {
  const aliceJar = await signIn(api.url, oidc.issuer, 'alice');
  const alice = browser(aliceJar);
  const bob = browser(await signIn(api.url, oidc.issuer, 'bob'));
  const aliceMe = await json<{ id: string; name: string }>(alice('/v1/me'));
  const bobMe = await json<{ id: string; email: string }>(bob('/v1/me'));
  expect(aliceMe.name).toBe('Alice Owner');
  expect(bobMe.email).toBe('bob@example.com');

  const workspace = await json<{ id: string }>(
    alice('/v1/workspaces', { method: 'POST', json: { name: 'Acme' } }),
    201,
  );
  const document = await json<{ id: string }>(
    alice('/v1/documents', {
      method: 'POST',
      json: { title: 'Launch plan', workspaceId: workspace.id, content: { text: 'first line\nsecond line' } },
    }),
    201,
  );
  expect((await bob(`/v1/documents/${document.id}`)).status).toBe(404);
  // Bob shares no workspace with Alice: he is invited, and joins by accepting.
  const invited = await json<{ status: string; invitationId: string }>(
    alice(`/v1/workspaces/${workspace.id}/members/${bobMe.id}`, { method: 'PUT', json: { role: 'member' } }),
    202,
  );
  expect(invited.status).toBe('invited');
  const inbox = await json<{ items: { id: string; workspaceName: string }[] }>(bob('/v1/invitations'));
  expect(inbox.items).toEqual([expect.objectContaining({ id: invited.invitationId, workspaceName: 'Acme' })]);
  await json(bob(`/v1/invitations/${invited.invitationId}/accept`, { method: 'POST' }));
  await json(
    alice(`/v1/documents/${document.id}/permissions/${bobMe.id}`, {
      method: 'PUT',
      json: { role: 'viewer' },
    }),
  );
  const list = await json<{ items: { id: string }[] }>(bob('/v1/documents'));
  expect(list.items.map((d) => d.id)).toEqual([document.id]);

  type Connect = { token: string; role: string; url: string; documentName: string };
  const aliceConnect = await json<Connect>(
    alice(`/v1/documents/${document.id}/connect-token`, { method: 'POST' }),
  );
  const bobConnect = await json<Connect>(
    bob(`/v1/documents/${document.id}/connect-token`, { method: 'POST' }),
  );
  expect(aliceConnect).toMatchObject({ role: 'owner', url: collab.url, documentName: document.id });
  expect(bobConnect.role).toBe('viewer');

  const aliceEditor = yWebsocketClient(aliceConnect.url, aliceConnect.documentName, aliceConnect.token);
  const bobEditor = yWebsocketClient(bobConnect.url, bobConnect.documentName, bobConnect.token);
  destroyers.push(aliceEditor.destroy, bobEditor.destroy);
  await vi.waitFor(() => expect(aliceEditor.provider.synced && bobEditor.provider.synced).toBe(true), {
    timeout: 10_000,
  });

  // What the editors see is what REST returns.
  const restText = async () => (await alice(`/v1/documents/${document.id}/content?format=text`)).text();
  expect(fragmentText(aliceEditor.doc)).toBe('first line\nsecond line');
  expect(fragmentText(bobEditor.doc)).toBe('first line\nsecond line');
  expect(await restText()).toBe('first line\nsecond line');

  // An edit in the editor reaches REST once acknowledged (stored).
  const paragraph = new Y.XmlElement('paragraph');
  aliceEditor.doc.getXmlFragment('default').push([paragraph]);
  paragraph.push([new Y.XmlText('typed live')]);
  await vi.waitFor(async () => expect(await restText()).toBe('first line\nsecond line\ntyped live'), {
    timeout: 10_000,
  });
  const json1 = await json<{ default: { type: string; content: unknown[] } }>(
    alice(`/v1/documents/${document.id}/content?format=json`),
  );
  expect(json1.default).toMatchObject({ type: 'doc' });
  expect(json1.default.content).toHaveLength(3);

  // A REST write shows up live in both editors.
  await json(
    alice(`/v1/documents/${document.id}/content`, {
      method: 'PUT',
      json: { markdown: '# Launch\n\nShip **it**' },
    }),
  );
  await vi.waitFor(
    () => {
      expect(fragmentText(aliceEditor.doc)).toBe('Launch\nShip it');
      expect(fragmentText(bobEditor.doc)).toBe('Launch\nShip it');
    },
    { timeout: 10_000 },
  );

  // So does a binary Yjs update posted over REST, built on the state REST returned.
  const state = await alice(`/v1/documents/${document.id}/content?format=yjs`);
  const integration = new Y.Doc();
  Y.applyUpdate(integration, new Uint8Array(await state.arrayBuffer()));
  const before = Y.encodeStateVector(integration);
  integration.getText('notes').insert(0, 'from an integration');
  const posted = await fetch(`${api.url}/v1/documents/${document.id}/updates`, {
    method: 'POST',
    headers: { cookie: aliceJar.header(), origin: api.url, 'content-type': 'application/octet-stream' },
    body: Y.encodeStateAsUpdate(integration, before),
  });
  expect(posted.status).toBe(200);
  await vi.waitFor(() => expect(bobEditor.doc.getText('notes').toString()).toBe('from an integration'), {
    timeout: 10_000,
  });

  // The viewer's edits go nowhere: not to the owner, not to storage.
  const bobParagraph = new Y.XmlElement('paragraph');
  bobEditor.doc.getXmlFragment('default').push([bobParagraph]);
  bobParagraph.push([new Y.XmlText('viewer vandalism')]);
  const later = new Y.XmlElement('paragraph');
  aliceEditor.doc.getXmlFragment('default').push([later]);
  later.push([new Y.XmlText('owner again')]);
  await vi.waitFor(
    async () => expect(await restText()).toBe('Launch\nShip it\nowner again\n\nfrom an integration'),
    {
      timeout: 10_000,
    },
  );
  expect(fragmentText(aliceEditor.doc)).not.toContain('vandalism');
  // And the viewer cannot write over REST either.
  expect(
    (await bob(`/v1/documents/${document.id}/content`, { method: 'PUT', json: { text: 'no' } })).status,
  ).toBe(403);
  const bobRows = await db.db
    .selectFrom('document_updates')
    .select('seq')
    .where('actor_id', '=', bobMe.id)
    .execute();
  expect(bobRows).toEqual([]);
  const aliceRows = await db.db
    .selectFrom('document_updates')
    .select('seq')
    .where('actor_id', '=', aliceMe.id)
    .where('document_id', '=', document.id)
    .execute();
  expect(aliceRows.length).toBeGreaterThanOrEqual(3);

  // Revoking the viewer's permission ends their live connection at once.
  const closes: number[] = [];
  bobEditor.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0));
  const revoked = await alice(`/v1/documents/${document.id}/permissions/${bobMe.id}`, { method: 'DELETE' });
  expect(revoked.status).toBe(204);
  await vi.waitFor(() => expect(closes).toContain(4403), { timeout: 10_000 });
  expect((await bob(`/v1/documents/${document.id}`)).status).toBe(404);
});
