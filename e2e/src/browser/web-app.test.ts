import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../api-process.js';
import { embeddedStartEnv, firstAdminToken, run, type Spawned, spawnProcess } from '../processes.js';
import {
  chromiumAvailable,
  launchChromium,
  NO_CHROMIUM,
  screenshot,
  seriousAccessibilityViolations,
} from './chromium.js';

/**
 * The web app as a newcomer meets it: `pnpm start` on a fresh embedded database, the
 * printed sign-in link, then two people in two browsers. The steps build on each other
 * (one server for the file keeps it within about a minute).
 */

const WAIT = { timeout: 20_000 };

if (!chromiumAvailable) {
  describe('web app in a real browser', () => {
    it.skip(NO_CHROMIUM, () => {});
  });
} else {
  describe('web app in a real browser', () => {
    let dataDir: string;
    let started: Spawned;
    let apiUrl: string;
    let adminToken: string;
    let signInLink: string;
    let browser: Browser;
    let alice: BrowserContext; // the first admin
    let bob: BrowserContext;
    let editorA: Page;
    let editorB: Page;
    let documentId: string;
    let apiPort: number;
    // A fixed API port: PUBLIC_URL (where the link points, and the Origin the API accepts
    // for cookie-authenticated writes) follows it.
    const env = () =>
      // Webhooks to loopback are refused unless allowed: the webhooks page adds one here.
      embeddedStartEnv(dataDir, { API_PORT: String(apiPort), WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });

    const folio = async (...args: string[]) => {
      const result = await run('pnpm', ['--silent', 'folio', ...args], env());
      if (result.code !== 0) throw new Error(`folio ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim();
    };
    const rest = async (path: string) => {
      const response = await fetch(`${apiUrl}${path}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      return { status: response.status, text: await response.text() };
    };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, path).toBe(201);
      return (await response.json()) as { id: string };
    };
    const accessible = async (page: Page) => expect(await seriousAccessibilityViolations(page)).toEqual([]);

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'folio-web-'));
      apiPort = await freePort();
      started = spawnProcess('pnpm', ['start'], env());
      const launching = launchChromium();
      adminToken = await firstAdminToken(started, 60_000);
      apiUrl = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;
      signInLink = (await started.waitFor(/one-time sign-in link[^\n]*\n\s+(http:\S+)/))[1] as string;
      browser = await launching;
      alice = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      bob = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    }, 90_000);

    // What each browser showed when a step failed, next to the other screenshots.
    afterEach(async (context) => {
      if (context.task.result?.state !== 'fail') return;
      const pages = [...(alice?.pages() ?? []), ...(bob?.pages() ?? [])];
      await Promise.all(pages.map((p, i) => screenshot(p, `failed-${context.task.name.slice(0, 30)}-${i}`)));
    });

    afterAll(async () => {
      await browser?.close();
      await started?.stop('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    });

    it('signs the first admin in with the printed link, once', async () => {
      expect(signInLink).toContain(`${apiUrl}/auth/link?token=`);
      const page = await alice.newPage();
      await page.goto(signInLink);
      await page.waitForURL(`${apiUrl}/app/`);
      await expect.poll(() => page.getByRole('heading', { name: 'Documents' }).count(), WAIT).toBe(1);
      await accessible(page);
      await screenshot(page, 'documents');

      // Spent: the same link in another browser lands on the sign-in page, in words.
      const other = await bob.newPage();
      await other.goto(signInLink);
      await other.getByText('That sign-in link was already used or has expired').waitFor(WAIT);
      await accessible(other);
      await screenshot(other, 'sign-in');
      await other.close();

      // Usable at 360 px: nothing wider than the screen.
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      await screenshot(page, 'documents-360px');
      await page.setViewportSize({ width: 1200, height: 800 });
      await page.close();
    });

    it('creates a workspace and a document, and shows "Saved" only once the server has stored the edit', async () => {
      editorA = await alice.newPage();
      await editorA.goto(`${apiUrl}/app/`);
      await editorA.getByLabel('Name of a new workspace').fill('Team');
      await editorA.getByRole('button', { name: 'Create workspace' }).click();
      await expect
        .poll(
          () => editorA.getByLabel('Workspace', { exact: true }).locator('option:checked').textContent(),
          WAIT,
        )
        .toBe('Team');
      await editorA.getByLabel('Title of a new document').fill('Launch plan');
      await editorA.getByRole('button', { name: 'Create document' }).click();
      await editorA.waitForURL(/\/app\/d\/[\w-]+$/, WAIT);
      documentId = editorA.url().split('/').at(-1) as string;
      const status = editorA.getByRole('status').filter({ hasText: /Saved|Saving|Connecting|Offline/ });
      await expect.poll(() => status.getAttribute('data-state'), WAIT).toBe('saved');

      await editorA.getByRole('textbox', { name: 'Text of Launch plan' }).click();
      await editorA.keyboard.type('Hello from the admin.');
      await expect.poll(() => status.getAttribute('data-state'), WAIT).toBe('saved');
      // "Saved" was the server's acknowledgement: the REST API reads the text back at once.
      const content = await rest(`/v1/documents/${documentId}/content?format=text`);
      expect(content.status).toBe(200);
      expect(content.text).toContain('Hello from the admin.');
      await accessible(editorA);
      await screenshot(editorA, 'editor');
    });

    it('shares the document with a member: two browsers edit together and see each other’s carets', async () => {
      await folio('user', 'create', '--email', 'bob@example.com', '--name', 'Bob');
      const bobLink = await folio('login-link', '--email', 'bob@example.com');
      const path = /\/auth\/link\?token=\S+/.exec(bobLink)?.[0];
      expect(path).toBeDefined();

      await editorA.getByRole('button', { name: 'Share' }).click();
      const dialog = editorA.getByRole('dialog');
      await dialog.getByLabel('Email').fill('bob@example.com');
      await dialog.getByRole('button', { name: 'Add to workspace' }).click();
      await dialog.getByText('bob@example.com joined the workspace.').waitFor(WAIT);
      await dialog.getByLabel('Person', { exact: true }).selectOption({ label: 'Bob <bob@example.com>' });
      await dialog.getByLabel('Role to give').selectOption('editor');
      await dialog.getByRole('button', { name: 'Give access' }).click();
      await dialog.getByLabel('Role of Bob <bob@example.com>').waitFor(WAIT);
      await accessible(editorA);
      await screenshot(editorA, 'share-dialog');
      await dialog.getByRole('button', { name: 'Close' }).click();

      editorB = await bob.newPage();
      await editorB.goto(`${apiUrl}${path}&returnTo=/app/d/${documentId}`);
      await editorB.waitForURL(`${apiUrl}/app/d/${documentId}`, WAIT);
      const textB = editorB.getByRole('textbox', { name: 'Text of Launch plan' });
      await expect.poll(() => textB.textContent(), WAIT).toContain('Hello from the admin.');
      await textB.click();
      await editorB.keyboard.press('End');
      await editorB.keyboard.type(' Bob was here.');

      const textA = editorA.getByRole('textbox', { name: 'Text of Launch plan' });
      await expect.poll(() => textA.textContent(), WAIT).toContain('Bob was here.');
      // Carets carry the names the server stamped on each connection.
      await expect.poll(() => editorA.locator('.caret-label').allTextContents(), WAIT).toContain('Bob');
      // A caret is shown while its editor has focus (the share dialog took it).
      await textA.click();
      await editorA.keyboard.press('End');
      await editorA.keyboard.type(' Admin again.');
      await expect
        .poll(() => editorB.locator('.caret-label').allTextContents(), WAIT)
        .toContain('Administrator');
      await expect.poll(() => textB.textContent(), WAIT).toContain('Admin again.');
      await screenshot(editorA, 'two-editors-admin');
      await screenshot(editorB, 'two-editors-bob');
    });

    it('finds the document by its text, with the match highlighted', async () => {
      const page = await alice.newPage();
      // Searchable within 5 s of being stored: poll.
      await expect
        .poll(
          async () => {
            await page.goto(`${apiUrl}/app/search?q=${encodeURIComponent('"Bob was here"')}`);
            await page.getByRole('status').filter({ hasText: /found/ }).waitFor(WAIT);
            return page.locator('.results mark').allTextContents();
          },
          { timeout: 20_000 },
        )
        .toEqual(expect.arrayContaining(['Bob']));
      await expect(page.getByRole('link', { name: 'Launch plan' }).count()).resolves.toBe(1);
      await accessible(page);
      await screenshot(page, 'search');
      await page.close();
    });

    it('restores a version while the other browser is open: the other browser sees it at once', async () => {
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/d/${documentId}/history`);
      await page.getByLabel('Label for a new version').fill('Before the draft');
      await page.getByRole('button', { name: 'Save a version now' }).click();
      await page.getByRole('button', { name: 'Before the draft' }).waitFor(WAIT);

      const textB = editorB.getByRole('textbox', { name: 'Text of Launch plan' });
      await textB.click();
      await editorB.keyboard.press('End');
      await editorB.keyboard.type(' DRAFT TO UNDO');
      const statusB = editorB.getByRole('status').filter({ hasText: /Saved|Saving|Connecting|Offline/ });
      await expect.poll(() => statusB.getAttribute('data-state'), WAIT).toBe('saved');

      await page.getByRole('button', { name: 'Before the draft' }).click();
      const point = page.getByRole('region', { name: 'Before the draft' });
      // Who changed what since the version: Bob's insertion, by name.
      await point.getByText('DRAFT TO UNDO').waitFor(WAIT);
      await expect(
        point.locator('li.insert').filter({ hasText: 'DRAFT TO UNDO' }).textContent(),
      ).resolves.toContain('added by Bob');
      await accessible(page);
      await screenshot(page, 'history');
      page.once('dialog', (d) => void d.accept());
      await point.getByRole('button', { name: 'Restore this' }).click();
      await page.getByText(/Restored Before the draft/).waitFor(WAIT);
      await expect.poll(() => textB.textContent(), WAIT).not.toContain('DRAFT TO UNDO');
      expect(await textB.textContent()).toContain('Bob was here.');

      // Any instant, read only: a moment after everything is the text as it is now.
      await page.getByLabel('Or look at a moment').fill('2099-01-01T00:00');
      await page.getByRole('button', { name: 'Show changes since then' }).click();
      const instant = page.getByRole('region', { name: /^Text of The document at / });
      await expect.poll(() => instant.textContent(), WAIT).toContain('Bob was here.');
      expect(await instant.textContent()).not.toContain('DRAFT TO UNDO');
      await page.close();
    });

    it('lowers Bob to viewer (read only, live) and then removes him: his editor closes', async () => {
      await editorA.getByRole('button', { name: 'Share' }).click();
      const dialog = editorA.getByRole('dialog');
      await dialog.getByLabel('Role of Bob <bob@example.com>').selectOption('viewer');
      await dialog.getByText('Bob <bob@example.com> is now viewer.').waitFor(WAIT);
      await editorB.getByText('Read only (viewer)').waitFor(WAIT);
      const textB = editorB.getByRole('textbox', { name: 'Text of Launch plan' });
      await expect.poll(() => textB.getAttribute('contenteditable'), WAIT).toBe('false');
      await accessible(editorB);
      await screenshot(editorB, 'viewer');

      await dialog.getByRole('button', { name: 'Remove access of Bob <bob@example.com>' }).click();
      await dialog.getByText('Bob <bob@example.com> no longer has access.').waitFor(WAIT);
      await editorB.getByText('Your access to this document was removed').waitFor(WAIT);
      expect(await editorB.getByRole('textbox', { name: 'Text of Launch plan' }).count()).toBe(0);
      await screenshot(editorB, 'access-removed');
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    it('runs an erasure from the compliance console to "done", verifies the audit chain and pages the log', async () => {
      await folio('user', 'create', '--email', 'carol@example.com', '--name', 'Carol');
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/compliance`);
      await page.getByLabel('Email of the person to erase').fill('carol@example.com');
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Start erasure' }).click();
      await expect
        .poll(() => page.locator('[data-erasure-status]').textContent(), { timeout: 45_000 })
        .toBe('done');
      await page.getByRole('table', { name: 'Erasure report' }).waitFor(WAIT);

      await page.getByRole('button', { name: 'Verify the chain' }).click();
      await page.getByText(/The chain verifies: \d+ entries/).waitFor(WAIT);
      await page.getByLabel(/^Action/).fill('user.login');
      await page.getByRole('button', { name: 'Show entries' }).click();
      await page.locator('table.audit tbody tr').first().waitFor(WAIT);
      const actions = await page.locator('table.audit tbody td:nth-child(2)').allTextContents();
      expect(actions.length).toBeGreaterThanOrEqual(2);
      expect(new Set(actions)).toEqual(new Set(['user.login']));
      // By actor, named by email: Bob signed in once.
      await page.getByLabel(/^Actor/).fill('bob@example.com');
      await page.getByRole('button', { name: 'Show entries' }).click();
      await expect.poll(() => page.locator('table.audit tbody tr').count(), WAIT).toBe(1);
      await page.getByLabel(/^Actor/).fill('');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download all matches (NDJSON)' }).click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/\.ndjson$/);

      // Cursor pages: every action, ten at a time, forwards and back.
      await page.getByLabel(/^Action/).fill('');
      await page.getByLabel('Entries per page').selectOption('10');
      await page.getByRole('button', { name: 'Show entries' }).click();
      await page.getByRole('table', { name: 'Entries 1–10' }).waitFor(WAIT);
      const first = await page.locator('table.audit tbody tr').allTextContents();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByRole('table', { name: /^Entries 11–/ }).waitFor(WAIT);
      const second = await page.locator('table.audit tbody tr').allTextContents();
      expect(second.some((row) => first.includes(row))).toBe(false);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByRole('table', { name: 'Entries 1–10' }).waitFor(WAIT);

      // A person's data, as a file.
      await page.getByLabel('Email', { exact: true }).fill('bob@example.com');
      const exported = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download export' }).click();
      expect((await exported).suggestedFilename()).toMatch(/^folio-export-[\w-]+\.json$/);
      await page.getByText(/Export of bob@example.com downloaded/).waitFor(WAIT);
      await accessible(page);
      await screenshot(page, 'compliance');

      // Problem+json in words: erasing an unknown address.
      await page.getByLabel('Email of the person to erase').fill('nobody@example.com');
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Start erasure' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'No account has the address nobody@example.com.' })
        .waitFor(WAIT);
      await page.close();
    });

    it('lets a workspace admin manage members and add a webhook whose secret is shown once', async () => {
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/`);
      await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Team' });
      await page.getByRole('link', { name: 'Members' }).click();
      await page.getByRole('heading', { name: 'Members of Team' }).waitFor(WAIT);
      await page.getByLabel('Workspace role of Bob <bob@example.com>').selectOption('admin');
      await page.getByText('Bob <bob@example.com> is now admin.').waitFor(WAIT);
      await accessible(page);
      await screenshot(page, 'members');
      await page.getByRole('link', { name: '← Back to the documents' }).click();
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor(WAIT);
      await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/hook');
      await page.getByLabel('Description').fill('The team bot');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.getByText(/shown only now/).waitFor(WAIT);
      expect(await page.locator('.notice code').textContent()).toMatch(/^whsec_/);
      await page.getByText('http://127.0.0.1:9/hook').waitFor(WAIT);
      await page.getByRole('button', { name: 'Deliveries' }).click();
      await page.locator('.deliveries').waitFor(WAIT);
      await accessible(page);
      await screenshot(page, 'webhooks');
      await page.close();
    });

    it('works from the keyboard alone (skip link, a new document), then renames and deletes it', async () => {
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/`);
      // Everything loaded first: the order of focus is the page's, not its loading's.
      await page.getByLabel('Title of a new document').waitFor(WAIT);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');
      const focusedLabel = () =>
        page.evaluate(
          'document.activeElement.closest("label")?.textContent?.trim() ?? ""',
        ) as Promise<string>;
      for (
        let presses = 0;
        presses < 10 && !(await focusedLabel()).startsWith('Title of a new document');
        presses++
      ) {
        await page.keyboard.press('Tab');
      }
      expect(await focusedLabel()).toMatch(/^Title of a new document/);
      await page.keyboard.type('Typed without a mouse');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Typed without a mouse' }).waitFor(WAIT);

      // Rename and delete from the list.
      await page.getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('button', { name: 'Rename Typed without a mouse' }).click();
      await page.getByLabel('New title for “Typed without a mouse”').fill('Short-lived');
      await page.getByRole('button', { name: 'Save title' }).click();
      await page.getByRole('link', { name: 'Short-lived' }).waitFor(WAIT);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Delete Short-lived' }).click();
      await expect.poll(() => page.getByRole('link', { name: 'Short-lived' }).count(), WAIT).toBe(0);
      expect((await rest('/v1/documents?limit=200')).text).not.toContain('Short-lived');
      await page.close();
    });

    it('pages the document list by cursor', async () => {
      const archive = await post('/v1/workspaces', { name: 'Archive' });
      for (let i = 1; i <= 27; i++) {
        await post('/v1/documents', {
          title: `Old note ${String(i).padStart(2, '0')}`,
          workspaceId: archive.id,
        });
      }
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/?workspace=${archive.id}`);
      const rows = page.getByRole('list', { name: 'Documents in Archive' }).getByRole('listitem');
      await expect.poll(() => rows.count(), WAIT).toBe(25);
      await page.getByRole('button', { name: 'Show more documents' }).click();
      await expect.poll(() => rows.count(), WAIT).toBe(27);
      expect(await page.getByRole('button', { name: 'Show more documents' }).count()).toBe(0);
      const titles = await page.locator('.doc-link').allTextContents();
      expect(new Set(titles).size).toBe(27);
      await page.close();
    });

    it('is usable 360 px wide: no page is wider than the screen, and axe finds nothing serious there', async () => {
      const page = await alice.newPage();
      await page.setViewportSize({ width: 360, height: 740 });
      for (const [path, name] of [
        ['/app/', 'Documents'],
        [`/app/d/${documentId}`, 'Launch plan'],
        ['/app/search?q=Bob', 'Search'],
        [`/app/d/${documentId}/history`, 'History of “Launch plan”'],
        ['/app/compliance', 'Compliance'],
      ] as const) {
        await page.goto(`${apiUrl}${path}`);
        await page.getByRole('heading', { name, exact: true }).waitFor(WAIT);
        if (path === '/app/compliance') {
          await page.getByRole('button', { name: 'Show entries' }).click();
          await page.locator('table.audit tbody tr').first().waitFor(WAIT);
        }
        expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(360);
        await accessible(page);
        await screenshot(page, `360px-${name.replace(/\W+/g, '-').toLowerCase()}`);
      }
      await page.close();
    });

    it('signs out: the session ends and the app asks to sign in', async () => {
      await editorA.getByRole('button', { name: 'Sign out' }).click();
      await editorA.getByRole('heading', { name: 'Sign in to Folio' }).waitFor(WAIT);
      const page = await alice.newPage();
      await page.goto(`${apiUrl}/app/`);
      await page.getByRole('heading', { name: 'Sign in to Folio' }).waitFor(WAIT);
      await page.close();
    });
  });
}
