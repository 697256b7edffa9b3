import { sessionStarter } from '@folio/shared/commands';
import { TEST_REDIS_URL } from '@folio/shared/testing';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, spawnApi } from '../api-process.js';
import { type CollabFixture, createCollabFixture } from '../fixture.js';
import type { CollabProcess } from '../harness.js';
import { chromiumAvailable, launchChromium, NO_CHROMIUM, screenshot } from './chromium.js';

/**
 * The editor's "Saved" is the server's acknowledgement, not the connection: while
 * Postgres cannot store the edit (a lock holds back every insert into the update log),
 * the indicator stays on "Saving…", and it turns to "Saved" once the edit is stored.
 * Likewise "Offline" while the server is gone, with the edits kept and stored after.
 * The real API and collaboration processes on the shared Postgres and Redis.
 */

if (!chromiumAvailable) {
  describe('the saved indicator', () => {
    it.skip(NO_CHROMIUM, () => {});
  });
} else {
  describe('the saved indicator', () => {
    let f: CollabFixture;
    let collab: CollabProcess;
    let api: ApiProcess;
    let browser: Browser;
    let page: Page;
    let documentId: string;

    beforeAll(async () => {
      f = await createCollabFixture();
      collab = await f.spawn();
      const port = await freePort();
      const launching = launchChromium();
      api = await spawnApi(port, {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: f.db.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: f.prefix,
        COLLAB_PUBLIC_URL: collab.url,
      });
      documentId = (await f.sharedDocument()).id;
      const { secret } = await sessionStarter(f.db.db, { userId: f.editor.id });
      browser = await launching;
      const context = await browser.newContext();
      await context.addCookies([{ name: 'folio_session', value: secret, url: api.url, httpOnly: true }]);
      page = await context.newPage();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      api?.proc.kill('SIGKILL');
      await api?.exited;
      await f?.close();
    });

    it('stays on "Saving…" while the edit cannot be stored, and says "Saved" once it is', async () => {
      await page.goto(`${api.url}/app/d/${documentId}`);
      const status = page.locator('[role="status"][data-state]');
      const text = page.getByRole('textbox', { name: /^Text of / });
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('saved');
      await text.click();
      await page.keyboard.type('stored.');
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('saved');

      // Hold back every insert into the update log: the edit reaches the server and the
      // other clients, but cannot be committed.
      const locker = new pg.Client({ connectionString: f.db.url });
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query('lock table document_updates in share mode');
        await page.keyboard.type(' Held back.');
        const seen = new Set<string | null>();
        const until = Date.now() + 2_500;
        while (Date.now() < until) {
          seen.add(await status.getAttribute('data-state'));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(seen).toEqual(new Set(['saving']));
        expect(await status.textContent()).toMatch(/^Saving… \(\d+ unsaved\)$/);
        await screenshot(page, 'saving-held');
      } finally {
        await locker.query('rollback').catch(() => undefined);
        await locker.end();
      }
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('saved');
      const content = await fetch(`${api.url}/v1/documents/${documentId}/content?format=text`, {
        headers: { cookie: `folio_session=${(await page.context().cookies())[0]?.value}` },
      });
      expect(await content.text()).toContain('stored. Held back.');
    });

    it('says "Offline" while the server is gone, keeps the edits, and "Saved" once they are stored after it is back', async () => {
      const status = page.locator('[role="status"][data-state]');
      const port = new URL(collab.url).port;
      collab.kill('SIGKILL');
      await collab.exited;
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('offline');
      await page.keyboard.type(' Typed offline.');
      expect(await status.textContent()).toMatch(/^Offline.*\(\d+ unsaved\)$/);
      await screenshot(page, 'offline');

      // Back on the same port: the provider reconnects, sends what it kept, and the
      // tracker's probe after the server's sync step 1 comes back only once it is stored.
      collab = await f.spawn({ COLLAB_PORT: port });
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('saved');
      const content = await fetch(`${api.url}/v1/documents/${documentId}/content?format=text`, {
        headers: { cookie: `folio_session=${(await page.context().cookies())[0]?.value}` },
      });
      expect(await content.text()).toContain('Held back. Typed offline.');
    });
  });
}
