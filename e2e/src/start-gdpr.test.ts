import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from './harness.js';
import { embeddedStartEnv, firstAdminToken, run, type Spawned, spawnProcess } from './processes.js';

// GDPR on `pnpm start` with the embedded database (PGlite): the erasure worker's
// SKIP LOCKED claims run on it, and the CLI's gdpr commands go through the admin socket.
let dataDir: string;
let started: Spawned | undefined;
const env = () => embeddedStartEnv(dataDir);
const folio = (...args: string[]) => run('pnpm', ['--silent', 'folio', ...args], env());

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'folio-gdpr-'));
});
afterAll(async () => {
  await started?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

it('erases over the API and the CLI, and exports over the CLI, on the embedded database', async () => {
  started = spawnProcess('node', ['cli/dist/start.js'], env());
  const token = await firstAdminToken(started, 45_000);
  const apiUrl = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;

  const first = await folio('user', 'create', '--email', 'first@example.com', '--name', 'First Person');
  const second = await folio('user', 'create', '--email', 'second@example.com');
  const firstId = (JSON.parse(first.stdout) as { id: string }).id;
  expect(second.code).toBe(0);

  const exported = await folio('gdpr', 'export', '--email', 'first@example.com');
  expect(exported.code).toBe(0);
  expect(JSON.parse(exported.stdout)).toMatchObject({ profile: { id: firstId, name: 'First Person' } });

  const accepted = await fetch(`${apiUrl}/v1/gdpr/erasures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'first@example.com' }),
  });
  expect(accepted.status).toBe(202);
  const { id } = (await accepted.json()) as { id: string };
  await eventually(async () => {
    const response = await fetch(`${apiUrl}/v1/gdpr/erasures/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { status: string; report: { userId: string } };
    expect(body.status).toBe('done');
    // The report names the pseudonym, the erased user's id from now on.
    expect(body.report.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.report.userId).not.toBe(firstId);
  });

  const erased = await folio('gdpr', 'erase', '--email', 'second@example.com');
  expect(erased.code).toBe(0);
  expect(JSON.parse(erased.stdout)).toMatchObject({ workspacesDeleted: 1, redisKeysDeleted: null });
  const gone = await folio('gdpr', 'erase', '--email', 'second@example.com');
  expect(gone).toMatchObject({ code: 1, stderr: 'folio: no user with email second@example.com\n' });

  expect(await started.stop('SIGTERM')).toBe(0);
});
