/**
 * Acknowledge from the console in real headless Chromium: an Alertmanager alert opens an
 * incident whose console thread (owned by system:incidents) an operator can read; the
 * operator clicks Acknowledge, the summary is edited in place and the timeline and audit
 * show who, on channel console. Viewers neither see the thread nor act; operators cannot
 * post into it; the action body is validated.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { bundleConsole } from '../../scripts/bundle-console.mjs';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(executablePath)
  ? false
  : `no Chromium at ${executablePath} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

describe('incident buttons in the console (headless Chromium)', { skip, timeout: 120_000 }, () => {
  let harness: TestApp;
  let browser: Browser;
  let bundleDirectory: string;
  const problems: string[] = [];

  before(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-console-incidents-'));
    await bundleConsole(bundleDirectory, { minify: false });
    const database = await testBackends()[0]!.open();
    harness = await startTestApp(database, {
      gateway: true,
      consoleDirectory: bundleDirectory,
      tools: { toolsets: [coreToolset(database)] },
      incidents: { routes: compileRoutes({ routes: [{ name: 'ops', console: true, runbookSearch: false }] }, 'test') },
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

  const api = (pathname: string, token: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${harness.url}${pathname}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  it('an operator acknowledges an incident from the console and the timeline shows who', async () => {
    const hook = await harness.app.incidents.hooks.create(
      { userId: '', userName: 'test', role: 'admin', tokenId: null },
      { source: 'alertmanager', name: 'console-buttons' },
    );
    const payload = {
      version: '4',
      groupKey: '{}:{alertname="CoreLinkDown"}',
      status: 'firing',
      receiver: 'vigie',
      groupLabels: { alertname: 'CoreLinkDown' },
      commonLabels: { alertname: 'CoreLinkDown', severity: 'page' },
      commonAnnotations: { summary: 'core link down' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'CoreLinkDown', severity: 'page' },
          annotations: {},
          startsAt: new Date().toISOString(),
          fingerprint: 'cc01',
        },
      ],
    };
    const response = await fetch(`${harness.url}/api/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hook.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    assert.equal(response.status, 200);
    const id = ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
    await harness.app.incidents.service.idle();
    const conversationId = (await harness.app.incidents.store.find(id)).conversationId!;
    assert.ok(conversationId);

    const operator = await harness.createUser('operator', 'console-incident-operator');
    const viewer = await harness.createUser('viewer', 'console-incident-viewer');
    // Operators read incident threads; viewers do not see them; nobody but the owner posts into them.
    const listed = (token: string) =>
      api('/api/conversations?limit=50', token).then(async (answer) =>
        ((await answer.json()) as { data: Array<{ id: string }> }).data.map((row) => row.id),
      );
    assert.ok((await listed(operator.token)).includes(conversationId));
    assert.ok(!(await listed(viewer.token)).includes(conversationId));
    assert.equal((await api(`/api/conversations/${conversationId}`, viewer.token)).status, 404);
    assert.equal((await api(`/api/conversations/${conversationId}/messages?limit=10`, operator.token)).status, 200);
    assert.equal(
      (await api(`/api/conversations/${conversationId}/messages`, operator.token, { method: 'POST', body: { content: 'hello' } })).status,
      404,
    );
    // Bad action bodies are refused with the field named.
    const bad = await api(`/api/incidents/${id}/acknowledge`, operator.token, { method: 'POST', body: { channel: 'slack' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /channel/);
    assert.equal((await api(`/api/incidents/${id}/acknowledge`, operator.token, { method: 'POST', body: { extra: 1 } })).status, 400);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(harness.url);
    await page.fill('#token-input', operator.token);
    await page.keyboard.press('Enter');
    await page.locator('#connection-state', { hasText: 'online' }).waitFor();
    await page.locator('#conversation-list button', { hasText: 'Incident: CoreLinkDown' }).click();
    await page.locator('#chat-title', { hasText: 'Incident: CoreLinkDown' }).waitFor();
    const summary = page.locator('#message-list .message', { hasText: '[FIRING] CoreLinkDown' });
    await summary.waitFor();
    await summary.locator('button[data-incident-action=acknowledge]').click();
    // The server edits the thread message; the console replaces it in place (Resolve stays, Acknowledge goes).
    const acknowledged = page.locator('#message-list .message', { hasText: 'Acknowledged by console-incident-operator' });
    await acknowledged.waitFor();
    assert.equal(await acknowledged.locator('button[data-incident-action=acknowledge]').count(), 0);
    assert.equal(await acknowledged.locator('button[data-incident-action=resolve]').count(), 1);
    assert.equal(await page.locator('#message-list .message').count(), 1);

    const detail = (await (await api(`/api/incidents/${id}`, operator.token)).json()) as {
      incident: { status: string; acknowledgedBy: string };
      timeline: Array<{ kind: string; actor: string; channel: string }>;
    };
    assert.equal(detail.incident.status, 'acknowledged');
    assert.equal(detail.incident.acknowledgedBy, 'console-incident-operator');
    assert.deepEqual(
      detail.timeline.filter((entry) => entry.kind === 'acknowledged').map((entry) => [entry.actor, entry.channel]),
      [['console-incident-operator', 'console']],
    );
    const audit = await harness.database.prisma.auditEvent.findMany({ where: { action: 'incident.acknowledged', actorId: operator.id } });
    assert.deepEqual(
      audit.map((event) => event.channel),
      ['console'],
    );

    // A viewer's console shows no incident buttons (and not the thread).
    const viewerPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    viewerPage.setDefaultTimeout(20_000);
    await viewerPage.goto(harness.url);
    await viewerPage.fill('#token-input', viewer.token);
    await viewerPage.keyboard.press('Enter');
    await viewerPage.locator('#connection-state', { hasText: 'online' }).waitFor();
    assert.equal(await viewerPage.locator('#conversation-list button', { hasText: 'Incident: CoreLinkDown' }).count(), 0);
    assert.deepEqual(problems, []);
  });
});
