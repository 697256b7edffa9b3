import { type CollabEvent, createCollabBus } from '@folio/shared';
import { authenticateApiToken, documentCreator, documentDeleter } from '@folio/shared/commands';
import { findDocument, findPersonalWorkspace, insertDocument } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  buildApiToken,
  buildUser,
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFolio } from './testing.js';

const folio = runFolio;

const log = createLogger({ level: 'silent', name: 'cli-test' });
let t: TestDatabase;
let redis: Redis;
let env: NodeJS.ProcessEnv;
let prefix: string;
beforeAll(async () => {
  t = await createTestDatabase();
  redis = createRedis({ url: TEST_REDIS_URL, log, name: 'cli-test' }) as Redis;
  prefix = testRedisPrefix();
  env = {
    DATABASE_URL: t.url,
    SECRET_KEY: 'x'.repeat(32),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
  };
});
afterAll(async () => {
  redis?.disconnect();
  await t?.drop();
});

describe('folio gdpr', () => {
  it('exports a user as JSON, then erases them: report on stdout, sockets revoked over Redis', async () => {
    const user = await buildUser(t.db, { name: 'Cli Person', email: 'cli.person@example.com' });
    const home = await findPersonalWorkspace(t.db, user.id);
    await documentCreator(t.db, {
      workspaceId: home?.id ?? '',
      title: 'Cli notes',
      content: { text: 'words from the cli test' },
      actorId: user.id,
    });
    const { token } = await buildApiToken(t.db, user);

    const exported = await folio(['gdpr', 'export', '--email', 'CLI.person@example.com'], env);
    expect(exported.code).toBe(0);
    const body = JSON.parse(exported.stdout) as {
      profile: { email: string };
      documents: { content: { text: string } }[];
    };
    expect(body.profile.email).toBe('cli.person@example.com');
    expect(body.documents[0]?.content.text).toBe('words from the cli test');

    const bus = createCollabBus({ redis, prefix, log });
    const seen: CollabEvent[] = [];
    await bus.subscribe((e) => seen.push(e));
    const erased = await folio(['gdpr', 'erase', '--email', 'cli.person@example.com'], env);
    expect(erased.code).toBe(0);
    expect(erased.stderr).toMatch(
      new RegExp(`^erasure request [\\w-]+: erased user ${user.id} \\(GET /v1/gdpr/erasures/[\\w-]+\\)\n$`),
    );
    const report = JSON.parse(erased.stdout) as { userId: string };
    expect(report.userId).not.toBe(user.id);
    expect(report).toMatchObject({
      documentsDeleted: 1,
      apiTokensDeleted: 1,
      workspacesDeleted: 1,
    });
    await vi.waitFor(() => expect(seen).toContainEqual({ type: 'revoke', userId: user.id }), {
      timeout: 5_000,
    });
    await bus.close();
    expect(await authenticateApiToken(t.db, token)).toBeUndefined();
    const request = await t.db
      .selectFrom('erasure_requests')
      .selectAll()
      .where('user_id', '=', report.userId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe('done');

    const again = await folio(['gdpr', 'erase', '--email', 'cli.person@example.com'], env);
    expect(again).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'folio: no user with email cli.person@example.com\n',
    });
    const exportGone = await folio(['gdpr', 'export', '--email', 'cli.person@example.com'], env);
    expect(exportGone.code).toBe(1);
  });

  it('refuses bad usage with one line and exit code 2', async () => {
    const missing = await folio(['gdpr', 'erase'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('folio: --email: is required');
    const bad = await folio(['gdpr', 'export', '--email', 'nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^folio: --email: /);
    const unknown = await folio(['gdpr', 'forget', '--email', 'a@example.com'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('folio: unknown command "gdpr forget"');
  });

  it('replays the erasure ledger after a restore brought a deleted document back, once', async () => {
    const owner = await buildUser(t.db);
    const home = await findPersonalWorkspace(t.db, owner.id);
    const doc = await documentCreator(t.db, {
      workspaceId: home?.id ?? '',
      title: 'Doomed',
      content: { text: 'gone for good' },
      actorId: owner.id,
    });
    await documentDeleter(t.db, { documentId: doc.id, actorId: owner.id });
    // What restoring an older backup does: the row is back (its key is not).
    await insertDocument(t.db, {
      id: doc.id,
      workspaceId: doc.workspace_id,
      title: 'Doomed',
      createdBy: owner.id,
    });

    const first = await folio(['gdpr', 'replay-ledger'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ documentsDeleted: 1, usersFailed: 0 });
    expect(await findDocument(t.db, doc.id)).toBeUndefined();
    const second = await folio(['gdpr', 'replay-ledger'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ documentsDeleted: 0, usersErased: 0, keysShredded: 0 });
  });
});
