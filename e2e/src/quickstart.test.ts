import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedStartEnv, repoRoot, run, type Spawned, spawnProcess } from './processes.js';

/**
 * The README's quickstart, run as printed: `pnpm start` on a fresh embedded database
 * (other ports, as the README says how), the banner's `export TOKEN=…` line pasted into
 * a shell, then the README's shell block — curl and jq through the REST API, and the two
 * client snippets from examples/ — in that shell. The snippets in the README must be
 * the files' text exactly.
 */
describe('the README quickstart', () => {
  let dataDir: string;
  let started: Spawned | undefined;
  let readme: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'folio-quickstart-'));
    readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  });
  afterAll(async () => {
    await started?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the client snippets exactly as the examples/ files hold them', async () => {
    for (const file of ['examples/y-websocket.mjs', 'examples/hocuspocus.mjs']) {
      const source = await readFile(join(repoRoot, file), 'utf8');
      expect(readme, file).toContain(`\`\`\`js\n${source}\`\`\``);
    }
  });

  it('works as printed against pnpm start, which then stops cleanly on a SIGTERM to its own pid', async () => {
    const env = embeddedStartEnv(dataDir);
    started = spawnProcess('pnpm', ['start'], env);
    const exportLine = (await started.waitFor(/^\s*(export TOKEN=folio_\S+)$/m, 60_000))[1] as string;
    const api = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;
    expect(started.output()).toContain(`curl -s -H "Authorization: Bearer $TOKEN" ${api}/v1/me`);

    const block = /<!-- quickstart:start -->\n```sh\n([\s\S]*?)```\n<!-- quickstart:end -->/.exec(
      readme,
    )?.[1];
    expect(block, 'the README has a quickstart block').toBeDefined();
    const script = `set -euo pipefail\n${exportLine}\n${block}`;
    const result = await run('bash', ['-c', script], { ...env, API: api });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('"email":"admin@folio.localhost"');
    expect(out).toMatch(/\["Launch plan","Launch\\nShip the <mark>beta<\/mark> on Friday/);
    expect(out).toContain('# Launch\n\nShip the **beta** on Friday.');
    for (const action of ['document.create', 'permission.grant', 'document.read'])
      expect(out).toContain(`["${action}",`);
    expect(out).toMatch(/"yjsUrl":"ws:\/\/127\.0\.0\.1:\d+\/yjs"/);
    expect(out).toContain('y-websocket synced: <heading level="1">Launch</heading>');
    expect(out).toContain('hocuspocus synced: hello from y-websocket');
    expect(out).toMatch(/\nstored\n$/);

    // A signal to pnpm's own pid (not its process group) stops Folio, and pnpm exits 0.
    process.kill(started.child.pid as number, 'SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).not.toContain('Command failed');
  }, 120_000);
});
