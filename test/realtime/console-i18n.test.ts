/**
 * The console in French for a French browser (real headless Chromium with locale fr-FR):
 * the page's fixed strings come from the French catalog, the connection state reads French,
 * and a command typed in the console is answered in French (the locale travels on connect
 * and is stored with the message). An English browser keeps English. Hostile locales sent
 * by a socket client are ignored.
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
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(executablePath)
  ? false
  : `no Chromium at ${executablePath} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

describe('console in the browser language (headless Chromium)', { skip, timeout: 120_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;
  let detach: () => void;
  const problems: string[] = [];

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-i18n-'));
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    harness = await startTestApp(database, {
      gateway: true,
      consoleDirectory: bundleDirectory,
      tools: { toolsets: [coreToolset(database)] },
    });
    const agent = new AgentService({
      prisma: database.prisma,
      tools: harness.app.tools,
      logger: pino({ level: 'silent' }),
      events: harness.app.context.events,
    });
    detach = agent.attach(harness.app.context.events);
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
    detach?.();
    await browser?.close();
    await harness?.close();
    await harness?.database.close();
    if (bundleDirectory) rmSync(bundleDirectory, { recursive: true, force: true });
  });

  async function openConsole(locale: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    assert.equal((await page.goto(harness.url))?.status(), 200);
    return page;
  }

  it('shows French strings to a French browser and answers its commands in French', async () => {
    const page = await openConsole('fr-FR');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    assert.equal(await page.title(), 'Console Vigie');
    assert.equal((await page.textContent('#login-form button[type=submit]'))?.trim(), 'Se connecter');
    assert.equal((await page.textContent('label[for=token-input]'))?.trim(), "Jeton d'API");
    await page.fill('#token-input', harness.adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'en ligne' }).waitFor();
    assert.equal(
      await page.getAttribute('#composer-input', 'placeholder'),
      'Message (Entrée pour envoyer, Maj+Entrée pour aller à la ligne)',
    );
    assert.equal((await page.textContent('#tools-title'))?.trim(), "Exécutions d'outils");
    await page.fill('#create-title', 'Conversation en français');
    await page.press('#create-title', 'Enter');
    await page.locator('#chat-title', { hasText: 'Conversation en français' }).waitFor();
    await page.fill('#composer-input', 'aide');
    await page.keyboard.press('Enter');
    await page.locator('#message-list .message .content', { hasText: 'Commandes (tapez « aide <commande> »' }).waitFor();
    const stored = await harness.database.prisma.message.findFirstOrThrow({ where: { content: 'aide', role: 'user' } });
    assert.deepEqual((stored.metadata as { locale?: string }).locale, 'fr');
    assert.deepEqual(problems, []);
  });

  it('keeps English for an English browser', async () => {
    const page = await openConsole('en-GB');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal((await page.textContent('#login-form button[type=submit]'))?.trim(), 'Connect');
    await page.fill('#token-input', harness.adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
    assert.deepEqual(problems, []);
  });
});
