/**
 * The live console end to end in real headless Chromium (playwright-core driving the
 * system's chromium): log in with a token, create a conversation, send a message with the
 * keyboard, and see it arrive in a second page (another tab with its own session, at phone
 * width), under the app's Content-Security-Policy with no violations; a `services search`
 * command typed in the console comes back as service cards (markup in a title stays text).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { bundleConsole } from '../../scripts/bundle-console.mjs';
import { AgentService } from '../../src/agents/agent-service.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { ServiceEngine } from '../../src/tools/services/service-engine.js';
import { serviceInputSchema } from '../../src/tools/services/service-schemas.js';
import { servicesToolset } from '../../src/tools/services/services-toolset.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(executablePath)
  ? false
  : `no Chromium at ${executablePath} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

describe('live console in headless Chromium', { skip, timeout: 120_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;
  const problems: string[] = [];

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-'));
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    harness = await startTestApp(database, {
      gateway: true,
      consoleDirectory: bundleDirectory,
      tools: { toolsets: [coreToolset(database), servicesToolset({ database })] },
    });
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
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
    await harness?.database.close();
    if (bundleDirectory) rmSync(bundleDirectory, { recursive: true, force: true });
  });

  async function openConsole(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const response = await page.goto(harness.url);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    return page;
  }

  async function logIn(page: Page, token: string): Promise<void> {
    await page.fill('#token-input', token);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
  }

  it('refuses a bad token on the login form', async () => {
    const page = await openConsole({ width: 1280, height: 800 });
    await page.fill('#token-input', 'vig_wrong_token');
    await page.click('#login-form button[type=submit]');
    await page.locator('#login-error', { hasText: 'refused' }).waitFor();
    assert.equal(await page.isVisible('#app-view'), false);
    await page.context().close();
  });

  it('creates a conversation, sends a message and shows it live in a second page', async () => {
    problems.length = 0; // the refused token's 401 above is logged by the browser, as expected
    const operator = await harness.createUser('operator', 'browser-operator');
    const first = await openConsole({ width: 1280, height: 800 });
    await logIn(first, operator.token);
    assert.equal(await first.isVisible('#audit-panel'), false);
    await first.fill('#create-title', 'Browser chat');
    await first.press('#create-title', 'Enter');
    await first.locator('#chat-title', { hasText: 'Browser chat' }).waitFor();
    await first.locator('#conversation-list button[aria-current=true]', { hasText: 'Browser chat' }).waitFor();

    // The second page: an admin at phone width, with its own session.
    const second = await openConsole({ width: 390, height: 844 });
    await logIn(second, harness.adminToken);
    assert.equal(await second.isVisible('#audit-panel'), true);
    await second.fill('#search-input', 'Browser');
    await second.locator('#conversation-list button', { hasText: 'Browser chat' }).click();
    await second.locator('#chat-title', { hasText: 'Browser chat' }).waitFor();
    await first.locator('#presence', { hasText: 'admin' }).waitFor();

    await first.focus('#composer-input');
    await first.keyboard.type('Is the core router reachable?');
    await first.keyboard.press('Enter');
    await second.locator('#message-list .message .content', { hasText: 'Is the core router reachable?' }).waitFor();
    // The sender sees it stored (the pending placeholder replaced by the stored message).
    await first.locator('#message-list .message[data-message-id] .content', { hasText: 'Is the core router reachable?' }).waitFor();
    assert.equal(await first.locator('#message-list .message').count(), 1);

    // Streamed assistant tokens and a tool card with Approve/Deny reach the browser.
    const conversationId = await first.locator('#conversation-list button[aria-current=true]').getAttribute('data-conversation-id');
    assert.ok(conversationId);
    harness.app.context.events.emit('agent.token', { conversationId, messageId: 'stream-1', delta: 'Checking ' });
    harness.app.context.events.emit('agent.token', { conversationId, messageId: 'stream-1', delta: 'now' });
    await second.locator('[data-message-id="stream-1"] .content', { hasText: 'Checking now' }).waitFor();
    harness.app.context.events.emit('agent.tool', {
      conversationId,
      execution: {
        id: '0193a3c1-0000-7000-8000-00000000e001',
        tool: 'net.ping',
        status: 'pending_approval',
        arguments: { host: '10.0.0.1' },
        requestedBy: operator.id,
      },
    });
    // The card shows in the chat and, for operators and admins, in the pending-approvals panel.
    await first.locator('#pending-approvals [data-execution-id="0193a3c1-0000-7000-8000-00000000e001"]').waitFor();
    assert.equal(await first.locator('#pending-title').textContent(), 'Pending approvals (1)');
    const card = first.locator('#message-list [data-execution-id="0193a3c1-0000-7000-8000-00000000e001"]');
    await card.locator('button', { hasText: 'Approve' }).click();
    // No execution pipeline is attached to this test app: the ack error is shown on the card.
    await card.locator('.error', { hasText: 'not available' }).waitFor();
    assert.deepEqual(problems, []);
    await first.context().close();
    await second.context().close();
  });

  it('shows a services search typed in the console as service cards', async () => {
    problems.length = 0;
    const engine = new ServiceEngine({ sql: harness.database.sql, embedder: createLexicalEmbedder() });
    const title = 'Plombier <img src=x onerror="window.__vigieXss = 1"> Bonamoussadi';
    await engine.create(
      null,
      serviceInputSchema.parse({
        title,
        description: 'Réparation de fuites et chauffe-eau, intervention le soir.',
        category: 'plomberie',
        priceMin: 10000,
        currency: 'XAF',
        latitude: 4.093,
        longitude: 9.744,
        city: 'Douala',
        availability: '7j/7',
        contact: '+237 690000000',
      }),
    );
    // User messages from the console are answered by the agent (commands need no model).
    const agent = new AgentService({
      prisma: harness.database.prisma,
      tools: harness.app.tools,
      logger: pino({ level: 'silent' }),
      events: harness.app.context.events,
    });
    const detach = agent.attach(harness.app.context.events);
    try {
      const operator = await harness.createUser('operator', 'browser-services');
      const page = await openConsole({ width: 1280, height: 800 });
      await logIn(page, operator.token);
      await page.fill('#create-title', 'Services chat');
      await page.press('#create-title', 'Enter');
      await page.locator('#chat-title', { hasText: 'Services chat' }).waitFor();
      await page.focus('#composer-input');
      await page.keyboard.type('services search plombier near=Douala radius=10');
      await page.keyboard.press('Enter');

      const card = page.locator('#message-list .tool-card .service-card').first();
      await card.locator('.service-card-title').waitFor();
      assert.equal(await card.locator('.service-card-title').textContent(), title, 'the title is shown as text');
      assert.match((await card.locator('.service-card-subtitle').textContent()) ?? '', /Plomberie · Douala · \d+\.\d km/);
      assert.deepEqual(await card.locator('.service-card-fields dt').allTextContents(), ['Prix', 'Disponibilité', 'Contact']);
      assert.equal(await card.locator('.service-card-fields dd').first().textContent(), 'à partir de 10 000 XAF');
      assert.match((await card.locator('.service-card-footer').textContent()) ?? '', /mots : plombier/);
      assert.equal(await page.locator('#message-list img').count(), 0, 'no markup from the title became an element');
      assert.equal(await page.evaluate(() => (window as unknown as { __vigieXss?: number }).__vigieXss), undefined);
      // The tool card shows cards instead of the raw result JSON.
      assert.equal(await page.locator('#message-list .tool-card pre', { hasText: '"cards"' }).count(), 0);
      assert.deepEqual(problems, []);
      await page.context().close();
    } finally {
      detach();
    }
  });
});
