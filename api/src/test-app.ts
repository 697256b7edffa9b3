/** Test support: an in-process API on a database of the test file's own. Not used in production. */

import { apiTokenIssuer, userCreator } from '@folio/shared/commands';
import { parseConfig } from '@folio/shared/config';
import type { InstanceRole, Scope } from '@folio/shared/db';
import { createJobQueue, type JobQueue } from '@folio/shared/jobs';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { createApi } from './app.js';
import { type ApiConfig, apiConfigSchema } from './config.js';

export interface TestApi {
  t: TestDatabase;
  api: ReturnType<typeof createApi>;
  config: ApiConfig;
  redis: Redis | undefined;
  /** The test database's job queue (client role; tests start a worker on it when they need one). */
  jobs: JobQueue;
  request(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  /** A user with a personal workspace and an API token. */
  user(
    email: string,
    options?: { role?: InstanceRole; scopes?: Scope[] },
  ): Promise<{ id: string; token: string; email: string }>;
  /**
   * A shared workspace administered by `admin`, which each of `members` joins the way a
   * stranger does: invited, then accepting.
   */
  team(
    admin: { token: string },
    members: { id: string; token: string }[],
    name?: string,
  ): Promise<{ id: string }>;
  /** `member` joins the workspace (directly, or invited and accepting, as the API decides). */
  join(
    workspaceId: string,
    admin: { token: string },
    member: { id: string; token: string },
    role?: 'admin' | 'member',
  ): Promise<void>;
  /** POST /v1/documents as `token`; the created document (fails unless 201). */
  createDocument(
    token: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string; title: string; workspaceId: string; role?: string }>;
  /** A document's content as text, read as `token` (fails unless 200). */
  text(token: string, documentId: string): Promise<string>;
  close(): Promise<void>;
}

/** With `{ redis: true }` the API uses the test Redis under a key prefix of its own. */
export async function buildTestApi(
  env: Record<string, string> = {},
  options: { redis?: boolean } = {},
): Promise<TestApi> {
  const t = await createTestDatabase();
  const config = parseConfig(apiConfigSchema, {
    DATABASE_URL: t.url,
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    // The run's key file (global set-up), which the test database's handle uses too.
    KEY_FILE: process.env.KEY_FILE,
    LOG_LEVEL: 'silent',
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: testRedisPrefix() } : {}),
    ...env,
  });
  const log = createLogger({ level: 'silent', name: 'api-test' });
  const redis = createRedis({ url: config.REDIS_URL, log, name: 'api-test' });
  const jobs = createJobQueue(t, log, { role: 'client', poolSize: 2 });
  await jobs.start();
  const api = createApi({
    config,
    db: t.db,
    replica: t.db,
    log,
    redis,
    secretKey: config.SECRET_KEY ?? '',
    jobs,
    inProcessErasures: true,
  });
  /** A request that must succeed; its JSON body. */
  const call = async (token: string, method: string, path: string, json?: unknown) => {
    const headers = new Headers({ authorization: `Bearer ${token}` });
    if (json !== undefined) headers.set('content-type', 'application/json');
    const body = json !== undefined ? JSON.stringify(json) : undefined;
    const response = await api.app.request(path, { method, headers, ...(body ? { body } : {}) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, string>>;
  };
  const join: TestApi['join'] = async (workspaceId, admin, member, role = 'member') => {
    const put = await call(admin.token, 'PUT', `/v1/workspaces/${workspaceId}/members/${member.id}`, {
      role,
    });
    if (put.status === 'invited') {
      await call(member.token, 'POST', `/v1/invitations/${put.invitationId}/accept`);
    }
  };
  const expectStatus = async (response: Response, status: number, what: string) => {
    if (response.status !== status) {
      throw new Error(`${what}: ${response.status}, not ${status}: ${await response.text()}`);
    }
    return response;
  };
  const request: TestApi['request'] = (path, init = {}) => {
    const { token, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return Promise.resolve(
      api.app.request(path, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      }),
    );
  };
  return {
    t,
    api,
    config,
    redis,
    jobs,
    request,
    createDocument: async (token, body) => {
      const response = await request('/v1/documents', { method: 'POST', token, json: body });
      await expectStatus(response, 201, 'POST /v1/documents');
      return (await response.json()) as { id: string; title: string; workspaceId: string; role?: string };
    },
    text: async (token, documentId) => {
      const response = await request(`/v1/documents/${documentId}/content?format=text`, { token });
      return (await expectStatus(response, 200, 'GET …/content')).text();
    },
    user: async (email, options = {}) => {
      const user = await userCreator(t.db, {
        email,
        name: email.split('@')[0],
        role: options.role,
        actorId: null,
      });
      const { token } = await apiTokenIssuer(t.db, {
        userId: user.id,
        scopes: options.scopes ?? ['read', 'write', 'admin'],
        actorId: null,
      });
      return { id: user.id, token, email };
    },
    team: async (admin, members, name = 'Team') => {
      const workspace = await call(admin.token, 'POST', '/v1/workspaces', { name });
      for (const member of members) await join(workspace.id as string, admin, member);
      return { id: workspace.id as string };
    },
    join,
    close: async () => {
      await api.close();
      await jobs.stop();
      redis?.disconnect();
      await t.drop();
    },
  };
}
