import { authenticateApiToken, loginLinkRedeemer } from '@folio/shared/commands';
import {
  createTestDatabase,
  databaseUrl,
  type TestDatabase,
  testDatabasePrefix,
  withAdminClient,
} from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolio } from './testing.js';

const folio = runFolio;

describe('folio CLI against Postgres', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = { DATABASE_URL: t.url, SECRET_KEY: 'x'.repeat(32) };
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('migrates idempotently', async () => {
    const result = await folio(['migrate'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });

  it('creates users and refuses duplicates and unknown roles with one line and a non-zero exit', async () => {
    const created = await folio(
      ['user', 'create', '--email', 'ops@example.com', '--name', 'Ops', '--role', 'compliance'],
      env,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'ops@example.com', role: 'compliance' });

    const duplicate = await folio(['user', 'create', '--email', 'OPS@example.com'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('folio: a user with email ops@example.com already exists\n');

    const badRole = await folio(['user', 'create', '--email', 'r@example.com', '--role', 'root'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr.split('\n')[0]).toMatch(/^folio: --role: /);

    const badEmail = await folio(['user', 'create', '--email', 'not-an-email'], env);
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr.split('\n')[0]).toMatch(/^folio: --email: /);
  });

  it('creates a working token, printed alone on the last line, defaulting to read,write', async () => {
    await folio(['user', 'create', '--email', 'dev@example.com'], env);
    const result = await folio(['token', 'create', '--email', 'dev@example.com'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const token = lines.at(-1) as string;
    expect(token).toMatch(/^folio_[\w-]+$/);
    expect(await authenticateApiToken(t.db, token)).toMatchObject({ scopes: ['read', 'write'] });

    const admin = await folio(
      ['token', 'create', '--email', 'dev@example.com', '--scopes', 'admin,read'],
      env,
    );
    expect(await authenticateApiToken(t.db, admin.stdout.trim())).toMatchObject({
      scopes: ['read', 'admin'],
    });

    const badScope = await folio(
      ['token', 'create', '--email', 'dev@example.com', '--scopes', 'read,root'],
      env,
    );
    expect(badScope.code).toBe(2);
    expect(badScope.stderr.split('\n')[0]).toMatch(/^folio: --scopes: /);

    const nobody = await folio(['token', 'create', '--email', 'nobody@example.com'], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('folio: no user with email nobody@example.com\n');
  });

  it('mints a one-time sign-in link on PUBLIC_URL, printed alone on stdout', async () => {
    await folio(['user', 'create', '--email', 'link@example.com'], env);
    const minted = await folio(['login-link', '--email', 'link@example.com'], {
      ...env,
      PUBLIC_URL: 'https://folio.example',
    });
    expect(minted.code).toBe(0);
    expect(minted.stderr).toMatch(/^sign-in link for link@example\.com, usable once until /);
    const secret = /^https:\/\/folio\.example\/auth\/link\?token=([\w-]+)\n$/.exec(minted.stdout)?.[1];
    expect(secret).toBeDefined();
    await expect(loginLinkRedeemer(t.db, { secret: secret as string })).resolves.toBeDefined();
    const nobody = await folio(['login-link', '--email', 'nobody@example.com'], env);
    expect(nobody).toMatchObject({ code: 1, stderr: 'folio: no user with email nobody@example.com\n' });
  });

  it('says in one line when the database is unreachable or the command unknown', async () => {
    const unreachable = await folio(['migrate'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      SECRET_KEY: 'x'.repeat(32),
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^folio: cannot reach the database at 127\.0\.0\.1:1 \(ECONNREFUSED\)\n$/,
    );

    const unknown = await folio(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('folio: unknown command "frobnicate"');

    const badEnv = await folio(['migrate'], { DATABASE_URL: 'mysql://nope' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr.split('\n')[0]).toMatch(/^folio: DATABASE_URL: must be a URL with scheme postgres/);
  });
});

describe('folio CLI: finding people, erasing with a receipt, the wrong database', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = { DATABASE_URL: t.url, SECRET_KEY: 'x'.repeat(32) };
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('lists users as JSON lines and erases with the request id on stderr, without a prompt off a terminal', async () => {
    await folio(['user', 'create', '--email', 'ann@example.com', '--name', 'Ann'], env);
    await folio(['user', 'create', '--email', 'bob@example.com', '--name', 'Bob'], env);
    const listed = await folio(['user', 'list'], env);
    expect(listed.code).toBe(0);
    const users = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { email: string; name: string; role: string });
    expect(users.map((u) => u.email)).toEqual(['ann@example.com', 'bob@example.com']);
    expect(users[0]).toMatchObject({ name: 'Ann', role: 'member' });

    const erased = await folio(['gdpr', 'erase', '--email', 'bob@example.com'], env);
    expect(erased.code).toBe(0);
    expect(erased.stderr).toMatch(
      /^erasure request [\w-]+: erased user [\w-]+ \(GET \/v1\/gdpr\/erasures\/[\w-]+\)\n$/,
    );
    expect(JSON.parse(erased.stdout)).toMatchObject({ userId: expect.any(String) });
    const after = await folio(['user', 'list'], env);
    expect(after.stdout).not.toMatch(/bob@example\.com/);
  });

  it('says where it looked when the database has no Folio tables', async () => {
    const name = `${testDatabasePrefix}${process.pid}_empty`;
    await withAdminClient((c) => c.query(`create database ${name} template template0`));
    try {
      const result = await folio(['user', 'list'], {
        DATABASE_URL: databaseUrl(name),
        SECRET_KEY: 'x'.repeat(32),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^folio: the Postgres database at 127\.0\.0\.1:5432\/\S+ \(DATABASE_URL\) has no Folio tables: point DATA_DIR \(embedded\) or DATABASE_URL \(Postgres\)/,
      );
    } finally {
      await withAdminClient((c) => c.query(`drop database if exists ${name}`));
    }
  });
});
