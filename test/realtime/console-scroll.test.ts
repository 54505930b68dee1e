/**
 * The console's chat follows the conversation in real headless Chromium: the page itself
 * never scrolls (header and composer stay in view), the message list keeps the newest
 * message visible, and a reader who scrolled up is not yanked down but sees a
 * "new messages" button that jumps to the end.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bundleConsole } from '../../scripts/bundle-console.mjs';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(executablePath)
  ? false
  : `no Chromium at ${executablePath} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

/** Where the list stands: pixels left below the visible part. */
async function distanceFromBottom(page: Page): Promise<number> {
  return page.$eval('#message-list', (list) => list.scrollHeight - list.scrollTop - list.clientHeight);
}

/** Whether an element's box lies inside the viewport. */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (node) => {
    const box = node.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight + 1;
  });
}

describe('console chat scrolling in headless Chromium', { skip, timeout: 120_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-scroll-'));
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    harness = await startTestApp(database, { gateway: true, consoleDirectory: bundleDirectory });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic'] });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
    await harness?.database.close();
    if (bundleDirectory) rmSync(bundleDirectory, { recursive: true, force: true });
  });

  it('keeps the newest message in view, the header and composer fixed, and marks new messages when scrolled up', async () => {
    const api = apiClient(`${harness.url}/api`, harness.adminToken);
    const created = await api.post('/conversations', { title: 'Long chat' });
    assert.equal(created.status, 201, created.text);
    const conversationId = created.body.id as string;
    for (let index = 0; index < 40; index += 1) {
      const posted = await api.post(`/conversations/${conversationId}/messages`, { content: `history line ${index}\nsecond line` });
      assert.equal(posted.status, 201, posted.text);
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(harness.url);
    await page.fill('#token-input', harness.adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
    await page.locator('#conversation-list button', { hasText: 'Long chat' }).click();
    await page.locator('#message-list .content', { hasText: 'history line 39' }).waitFor();

    assert.ok(
      (await page.$eval('#message-list', (list) => list.scrollHeight > list.clientHeight)) === true,
      'the history overflows the list',
    );
    assert.ok((await distanceFromBottom(page)) < 2, 'opened at the newest message');
    assert.equal(await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0), 0, 'the page itself does not scroll');
    assert.equal(await inViewport(page, '.topbar'), true);
    assert.equal(await inViewport(page, '#composer-input'), true);

    // A live message while following: still at the bottom.
    await api.post(`/conversations/${conversationId}/messages`, { content: 'live while following' });
    await page.locator('#message-list .content', { hasText: 'live while following' }).waitFor();
    await page.waitForFunction(() => {
      const list = document.getElementById('message-list')!;
      return list.scrollHeight - list.scrollTop - list.clientHeight < 2;
    });
    assert.equal(await page.isVisible('#new-messages'), false);

    // The reader scrolls up: a new message does not move the list, the marker appears.
    await page.$eval('#message-list', (list) => {
      list.scrollTop = 0;
      list.dispatchEvent(new Event('scroll'));
    });
    await api.post(`/conversations/${conversationId}/messages`, { content: 'live while reading history' });
    await page.locator('#message-list .content', { hasText: 'live while reading history' }).waitFor({ state: 'attached' });
    await page.locator('#new-messages').waitFor();
    assert.equal(await page.$eval('#message-list', (list) => list.scrollTop), 0, 'the reader was not moved');
    await page.click('#new-messages');
    assert.ok((await distanceFromBottom(page)) < 2, 'the marker jumps to the newest message');
    assert.equal(await page.isVisible('#new-messages'), false);
    await context.close();
  });
});
