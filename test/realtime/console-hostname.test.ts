/**
 * The console and /docs opened by host name over plain HTTP, as from another machine on the
 * LAN: Chromium maps `vigie.test` to loopback (--host-resolver-rules), loads every asset over
 * http (no upgrade-insecure-requests, no HSTS), logs in and chats. Also: the headers per
 * scheme (X-Forwarded-Proto counts only behind TRUST_PROXY) and a login form whose native
 * submit can never put the token in a URL.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { bundleConsole } from '../../scripts/bundle-console.mjs';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import type { Database } from '../../src/db/database.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(executablePath)
  ? false
  : `no Chromium at ${executablePath} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

describe('security headers per scheme', () => {
  let database: Database;
  let plain: TestApp;
  let proxied: TestApp;
  before(async () => {
    database = await testBackends()[0]!.open();
    plain = await startTestApp(database);
    proxied = await startTestApp(database, { config: { TRUST_PROXY: 'loopback' } });
  });
  after(async () => {
    await plain?.close();
    await proxied?.close();
    await database?.close();
  });

  it('sends neither upgrade-insecure-requests nor HSTS over plain HTTP', async () => {
    const response = await fetch(`${plain.url}/health`);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('strict-transport-security'), null);
  });

  it('ignores X-Forwarded-Proto without TRUST_PROXY', async () => {
    const response = await fetch(`${plain.url}/health`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.equal(response.headers.get('strict-transport-security'), null);
  });

  it('sends both behind a trusted proxy that terminated TLS', async () => {
    const response = await fetch(`${proxied.url}/health`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    const direct = await fetch(`${proxied.url}/health`);
    assert.equal(direct.headers.get('strict-transport-security'), null, 'a plain request through the same proxy setting');
  });

  it('answers a native login-form post with a redirect, never echoing a token', async () => {
    const response = await fetch(`${plain.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=vig_should_not_travel',
      redirect: 'manual',
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/');
  });
});

describe('console and /docs by host name over HTTP in headless Chromium', { skip, timeout: 120_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;
  let origin: string;

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-host-'));
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    harness = await startTestApp(database, { gateway: true, consoleDirectory: bundleDirectory });
    origin = `http://vigie.test:${new URL(harness.url).port}`;
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--host-resolver-rules=MAP vigie.test 127.0.0.1',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
    await harness?.database.close();
    if (bundleDirectory) rmSync(bundleDirectory, { recursive: true, force: true });
  });

  it('loads the console over http, logs in and chats; no request leaves for https', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => requested.push(request.url()));
    page.on('requestfailed', (request) => problems.push(`failed ${request.url()}: ${request.failure()?.errorText}`));

    const response = await page.goto(`${origin}/`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.getAttribute('#login-form', 'method'), 'post');
    assert.equal(await page.getAttribute('#token-input', 'name'), null, 'the token field is never submitted natively');
    const operator = await harness.createUser('operator', 'hostname-operator');
    await page.fill('#token-input', operator.token);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
    assert.ok(!page.url().includes(operator.token), 'the token is not in the URL');
    await page.fill('#create-title', 'Host name chat');
    await page.press('#create-title', 'Enter');
    await page.locator('#chat-title', { hasText: 'Host name chat' }).waitFor();
    await page.focus('#composer-input');
    await page.keyboard.type('Hello from vigie.test');
    await page.keyboard.press('Enter');
    await page.locator('#message-list .message[data-message-id] .content', { hasText: 'Hello from vigie.test' }).waitFor();
    assert.ok(
      requested.some((url) => url.startsWith(`${origin}/console.js`)),
      requested.join('\n'),
    );
    assert.deepEqual(
      requested.filter((url) => url.startsWith('https:')),
      [],
    );
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('renders /docs over http with its Swagger assets', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    const response = await page.goto(`${origin}/docs/`);
    assert.equal(response?.status(), 200);
    await page.locator('.swagger-ui .info .title', { hasText: 'Vigie API' }).waitFor();
    assert.deepEqual(failed, []);
    await context.close();
  });
});
