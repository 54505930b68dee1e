/**
 * Every tool a command can run without a model, in the real console, in real headless
 * Chromium, opened by host name (`vigie.localtest`, mapped to loopback by
 * `--host-resolver-rules`) on an app with the production registry (createToolsets):
 * each result renders as a result view with no raw JSON visible (the closed "Details" holds
 * it); the list follows new messages, and shows the "new messages" marker to a reader who
 * scrolled up; an approval's outcome (approved and run, or denied with who and why) is in
 * the conversation after a reload; a French browser reads the console's strings in French,
 * network findings included.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { bundleConsole } from '../../scripts/bundle-console.mjs';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { AgentService } from '../../src/agents/agent-service.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { createToolsets } from '../support/production-toolsets.js';
import { ServiceEngine } from '../../src/tools/services/service-engine.js';
import { serviceInputSchema } from '../../src/tools/services/service-schemas.js';
import { apiClient } from '../support/http-client.js';
import {
  chromiumSkip,
  createConversation,
  distanceFromBottom,
  launchChromium,
  logIn,
  openConsole,
  RAW_JSON,
  send,
} from '../support/console-driver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const HOST = 'vigie.localtest';

/** Every result view in the list is visible and no raw JSON is, while every "Details" stays closed. */
async function assertNoRawJson(page: Page): Promise<void> {
  const visible = await page.locator('#message-list').innerText();
  assert.doesNotMatch(visible, RAW_JSON, `raw JSON visible:\n${visible.match(new RegExp(`.{0,80}${RAW_JSON.source}.{0,80}`))?.[0]}`);
  assert.equal(
    await page.$$eval('#message-list details.raw-details', (nodes) => nodes.filter((node) => (node as HTMLDetailsElement).open).length),
    0,
  );
}

/** Waits for a view of `kind` in the message list; on timeout, says what the last cards show. */
async function waitForView(page: Page, kind: string, label: string, scope = '#message-list'): Promise<void> {
  await page
    .locator(`${scope} .result-view[data-view-kind="${kind}"]`)
    .first()
    .waitFor()
    .catch(async (error: unknown) => {
      const cards = await page.locator('#message-list .tool-card, #message-list .message').allInnerTexts();
      throw new Error(
        `${label}: no ${kind} view (${(error as Error).message.split('\n')[0]}); last items:\n${cards.slice(-3).join('\n---\n')}`,
      );
    });
}

describe('every tool result as a view in the console, by host name (headless Chromium)', { skip: chromiumSkip, timeout: 300_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;
  let workDirectory: string;
  let ingestRoot: string;
  let origin: string;
  let detach: () => void;

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-views-'));
    workDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-views-data-'));
    ingestRoot = path.join(workDirectory, 'backups');
    mkdirSync(path.join(ingestRoot, 'etc'), { recursive: true });
    for (let index = 0; index < 6; index += 1)
      writeFileSync(path.join(ingestRoot, 'etc', `config-${index}.txt`), index < 4 ? 'the same line\n'.repeat(400) : `file ${index}\n`);
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    const config = loadConfig({
      DATA_DIR: workDirectory,
      NET_ALLOWED_TARGETS: '127.0.0.1/32',
      DEDUP_ALLOWED_ROOTS: ingestRoot,
      QOS_ALLOWED_INTERFACES: 'lo',
    });
    const logger = pino({ level: 'silent' });
    const knowledge = new KnowledgeBase(database, createLexicalEmbedder());
    const production = createToolsets({
      config,
      database,
      logger,
      audit: new AuditLog(database.sql),
      events: new DomainEvents(),
      knowledge,
    });
    harness = await startTestApp(database, {
      gateway: true,
      socketApprovals: true,
      consoleDirectory: bundleDirectory,
      tools: { toolsets: production },
    });
    await knowledge.ingestBytes({
      bytes: Buffer.from('# Core router\n\n## Failover\n\nTo fail over the core router, drain BGP on r1, then shut the uplink.'),
      contentType: 'text/markdown',
      title: 'Core router runbook',
    });
    const engine = new ServiceEngine({ sql: database.sql, embedder: createLexicalEmbedder() });
    await engine.create(
      null,
      serviceInputSchema.parse({
        title: 'Plombier dépannage rapide',
        description: 'Réparation de fuites et chauffe-eau.',
        category: 'plomberie',
        priceMin: 5000,
        currency: 'XAF',
        latitude: 4.05,
        longitude: 9.7,
        city: 'Douala',
        availability: '7j/7',
      }),
    );
    const agent = new AgentService({ prisma: database.prisma, tools: harness.app.tools, logger, events: harness.app.context.events });
    detach = agent.attach(harness.app.context.events);
    origin = `http://${HOST}:${new URL(harness.url).port}`;
    browser = await launchChromium([HOST]);
  });
  after(async () => {
    detach?.();
    await browser?.close();
    await harness?.close();
    await harness?.database.close();
    for (const directory of [bundleDirectory, workDirectory]) if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('renders every tool run from the console as a view, raw JSON only behind "Details"; follows new messages', async () => {
    const { page, problems } = await openConsole(browser, origin, { viewport: { width: 1280, height: 720 } });
    await logIn(page, harness.adminToken);
    await createConversation(page, 'Every view');
    const port = new URL(harness.url).port;
    const commands: Array<{ line: string; kind: string }> = [
      { line: 'status', kind: 'system.status' },
      { line: `net check 127.0.0.1 ports=${port} count=3`, kind: 'network.check' },
      { line: 'net interfaces lo', kind: 'network.interfaces' },
      { line: 'kb "fail over the core router"', kind: 'knowledge.answer' },
      { line: 'services search plombier near=Douala radius=20', kind: 'services.search' },
      { line: 'qos plan "limiter le trafic web à 20 Mbit/s sur lo"', kind: 'qos.plan' },
      { line: 'qos show lo', kind: 'qos.show' },
      { line: 'dedup stats', kind: 'dedup.stats' },
      { line: 'audit trail limit=10', kind: 'audit.timeline' },
    ];
    for (const { line, kind } of commands) {
      await send(page, line);
      await waitForView(page, kind, line, '#message-list .tool-card');
      const view = page.locator(`#message-list .tool-card .result-view[data-view-kind="${kind}"]`).first();
      assert.ok(((await view.locator('.view-headline').innerText()) ?? '').trim().length > 0, `${kind} has a headline`);
      // The list follows: the newest card is in view.
      await page
        .waitForFunction(() => {
          const list = document.getElementById('message-list')!;
          return list.scrollHeight - list.scrollTop - list.clientHeight < 2;
        })
        .catch(async () => assert.fail(`${line}: the list is ${await distanceFromBottom(page)} px above the newest message`));
      await assertNoRawJson(page);
    }
    // One card per execution; each answer names its result in one line, never repeating the data.
    const executions = await page.$$eval('#message-list .tool-card[data-execution-id]', (nodes) =>
      nodes.map((node) => node.getAttribute('data-execution-id')),
    );
    assert.equal(new Set(executions).size, executions.length);
    assert.equal(executions.length, commands.length);
    // The chart of the network check is drawn (uPlot canvas), the knowledge answer links its [n] to the passage.
    await page.locator('.result-view[data-view-kind="network.check"] canvas').first().waitFor();
    const citation = page.locator('.result-view[data-view-kind="knowledge.answer"] a.citation-link').first();
    const target = (await citation.getAttribute('href'))!;
    assert.match(target, /^#cite-/);
    assert.equal(await page.locator(target).count(), 1);
    // "Details" opens onto the raw JSON, one click away.
    const details = page.locator('.tool-card:has(.result-view[data-view-kind="system.status"]) details.raw-details').first();
    await details.locator('summary').click();
    await details.locator('pre.raw-json', { hasText: '"uptimeSeconds"' }).waitFor();
    await details.locator('summary').click();

    // A reader who scrolled up is not moved; the marker appears and jumps to the end.
    await page.$eval('#message-list', (list) => {
      list.scrollTop = 0;
      list.dispatchEvent(new Event('scroll'));
    });
    const conversationId = (await page.locator('#conversation-list button[aria-current=true]').getAttribute('data-conversation-id'))!;
    await apiClient(`${harness.url}/api`, harness.adminToken).post(`/conversations/${conversationId}/messages`, { content: 'status' });
    await page.waitForFunction(() => document.querySelectorAll('#message-list .result-view[data-view-kind="system.status"]').length === 2);
    await page.locator('#new-messages').waitFor();
    assert.equal(await page.$eval('#message-list', (list) => list.scrollTop), 0, 'the reader was not moved');
    await page.click('#new-messages');
    assert.ok((await distanceFromBottom(page)) < 2);
    assert.equal(await page.isVisible('#new-messages'), false);
    assert.equal(await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0), 0, 'the page itself never scrolls');
    await assertNoRawJson(page);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('keeps an approval’s outcome in the conversation after a reload: approved and run, or denied with who and why', async () => {
    const { page, problems } = await openConsole(browser, origin);
    await logIn(page, harness.adminToken);
    await createConversation(page, 'Approvals');
    await send(page, `dedup ingest ${ingestRoot} snapshot=nightly-1`);
    const pending = page.locator('#message-list .tool-card[data-status="pending_approval"]').first();
    await pending.locator('.result-view[data-view-kind="dedup.ingest.preview"]').waitFor();
    await pending.locator('.approvers').waitFor();
    await assertNoRawJson(page);
    await pending.locator('button[data-decision="approve"]').click();
    await waitForView(page, 'dedup.ingest', 'approved ingest');
    // With a snapshot stored, the dedup queries have something to show.
    await send(page, 'dedup top');
    await waitForView(page, 'dedup.top', 'dedup top');
    await assertNoRawJson(page);

    await send(page, `dedup ingest ${ingestRoot} snapshot=nightly-2`);
    const second = page.locator('#message-list .tool-card[data-status="pending_approval"]').first();
    await second.locator('input.deny-reason').waitFor();
    await second.locator('input.deny-reason').fill('<b>not</b> during business hours');
    await second.locator('button[data-decision="deny"]').click();
    await page.locator('#message-list .tool-card[data-status="denied"] .outcome', { hasText: 'denied by admin' }).waitFor();

    await page.reload();
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
    await page.locator('#conversation-list button', { hasText: 'Approvals' }).click();
    const ran = page.locator('#message-list .tool-card[data-status="succeeded"]:has(.result-view[data-view-kind="dedup.ingest"])');
    await ran.first().waitFor();
    assert.match(await ran.first().innerText(), /approved by admin/);
    const denied = page.locator('#message-list .tool-card[data-status="denied"] .outcome').first();
    await denied.waitFor();
    assert.equal((await denied.innerText()).trim(), 'dedup_ingest was denied by admin: <b>not</b> during business hours');
    assert.equal(await page.locator('#message-list b').count(), 0, 'the reason stays text');
    assert.equal(await page.locator('#message-list button[data-decision]').count(), 0, 'nothing is left to decide');
    // The conversation ends with the outcomes, not with "waiting for approval".
    const answers = await page.locator('#message-list .message.role-assistant > .content').allInnerTexts();
    assert.match(answers.at(-1)!, /^Denied by admin|dedup_ingest was denied by admin/, answers.join('\n'));
    assert.match(answers.join('\n'), /Approved by admin\. dedup_ingest: Snapshot nightly-1/);
    await assertNoRawJson(page);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('shows a French browser the console’s strings in French, views and cards included', async () => {
    const { page, problems } = await openConsole(browser, origin, { locale: 'fr-FR' });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    assert.equal((await page.textContent('#login-form button[type=submit]'))?.trim(), 'Se connecter');
    await logIn(page, harness.adminToken);
    await page.locator('#pending-title', { hasText: /^Approbations en attente \(\d+\)$/ }).waitFor();
    await createConversation(page, 'En français');
    await send(page, 'statut');
    const card = page.locator('#message-list .tool-card:has(.result-view[data-view-kind="system.status"])').first();
    await card.waitFor();
    assert.match(await card.locator('.meta').first().innerText(), /system_status · terminé · demandé par admin/);
    assert.equal((await card.locator('details.raw-details summary').innerText()).trim(), 'Détails (JSON brut)');
    await send(page, `dedup ingest ${ingestRoot} snapshot=fr-1`);
    const pending = page.locator('#message-list .tool-card[data-status="pending_approval"]').first();
    await pending.waitFor();
    assert.match(await pending.innerText(), /Ce que l’approbation va faire/i);
    assert.match(await pending.locator('.approvers').innerText(), /^Peut approuver : un opérateur ou un administrateur/);
    assert.equal((await pending.locator('button[data-decision="approve"]').innerText()).trim(), 'Approuver');
    assert.equal(await pending.locator('input.deny-reason').getAttribute('placeholder'), 'Motif (facultatif)');
    await pending.locator('button[data-decision="deny"]').click();
    await page
      .locator('#message-list .tool-card[data-status="denied"] .outcome', { hasText: 'dedup_ingest a été refusé par admin' })
      .waitFor();
    // The outcome message itself is written in the requester's language (the locale of their message).
    await page.locator('#message-list .message.role-assistant > .content', { hasText: /^dedup_ingest a été refusé par admin$/ }).waitFor();
    // A network check reads its findings in French: a port nothing listens on, on 127.0.0.1.
    const spare = net.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const closedPort = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    await send(page, `net check 127.0.0.1 ports=${closedPort} count=2`);
    const check = page
      .locator('#message-list .result-view[data-view-kind="network.check"]', { hasText: `Port ${closedPort} fermé sur 127.0.0.1` })
      .first();
    await check.waitFor();
    assert.match(await check.innerText(), /connexion refusée \(RST\) après [\d,]+ ms : l’?'?hôte répond mais rien n’?'?écoute sur ce port/);
    assert.match(
      await check.locator('.view-headline').innerText(),
      new RegExp(`^1 alerte sur 1 cible\\. Le plus grave : Port ${closedPort} fermé sur 127\\.0\\.0\\.1`),
    );
    assert.doesNotMatch(await check.innerText(), /closed on|connection refused|Check that/);
    // The command answers come back in French too (the locale travels with the message).
    await send(page, 'aide');
    await page.locator('#message-list .message .content', { hasText: 'Commandes (tapez « aide <commande> »' }).waitFor();
    await assertNoRawJson(page);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
