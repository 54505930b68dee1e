/**
 * A scheduled check against a real host: a `vn21…` network namespace joined to the root
 * namespace by a veth pair (198.18.21.5/30 here, 198.18.21.6/30 there; 198.18.0.0/15 only).
 * `net check 198.18.21.6` is scheduled; the host's link goes down (two failing runs: an
 * incident with source `schedule` opens, severity critical, through the same path as alerts,
 * with its console thread), then comes back (two healthy runs: the incident resolves). The
 * runs go through the pipeline as system:schedules. Skipped when not root or when the /30
 * is in use; the namespace is removed afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { NetworkAnalyzer } from '../../src/tools/network/network-analyzer.js';
import { networkSettings } from '../../src/tools/network/network-settings.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import type { ToolsetDependencies } from '../../src/tools/toolset-dependencies.js';
import { labUnavailableReason, sh } from '../network/support/lab-network.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const HOST = '198.18.21.6';
const unavailable =
  (await labUnavailableReason()) ??
  ((await sh('ip', ['-4', '-o', 'addr', 'show'])).includes('198.18.21.5/') ? '198.18.21.4/30 is already in use here' : null);

describe(
  'a scheduled net check against a network namespace opens then resolves an incident',
  { skip: unavailable ?? false, timeout: 180_000 },
  () => {
    const tag = randomBytes(2).toString('hex');
    const namespace = `vn21s${tag}`;
    const [rootSide, nsSide] = [`vn21s${tag}a`, `vn21s${tag}b`];
    let harness: TestApp | undefined;
    let created = false;

    before(async () => {
      await sh('ip', ['netns', 'add', namespace]);
      created = true;
      await sh('ip', ['link', 'add', rootSide, 'type', 'veth', 'peer', 'name', nsSide]);
      await sh('ip', ['link', 'set', nsSide, 'netns', namespace]);
      await sh('ip', ['addr', 'add', '198.18.21.5/30', 'dev', rootSide]);
      await sh('ip', ['link', 'set', rootSide, 'up']);
      await sh('ip', ['-n', namespace, 'addr', 'add', `${HOST}/30`, 'dev', nsSide]);
      await sh('ip', ['-n', namespace, 'link', 'set', nsSide, 'up']);
      await sh('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
      const database = await testBackends()[0]!.open();
      const analyzer = new NetworkAnalyzer({
        settings: networkSettings({ NET_ALLOWED_TARGETS: '198.18.21.4/30', NET_RATE_LIMIT_PER_MINUTE: '1000' }),
      });
      harness = await startTestApp(database, {
        tools: {
          toolsets: [
            coreToolset(database),
            networkToolset({ config: {} as ToolsetDependencies['config'], database, logger: pino({ level: 'silent' }) }, analyzer),
          ],
        },
        incidents: {
          routes: compileRoutes(
            { routes: [{ name: 'schedules', matchers: ['schedule=~".+"'], console: true, runbookSearch: false }] },
            'test',
          ),
          schedules: { minIntervalMs: 1_000, watchdogMs: 3_600_000, failThreshold: 2, recoverThreshold: 2 },
        },
      });
    });
    after(async () => {
      await harness?.close();
      await harness?.database.close();
      // Deleting the namespace removes the veth pair with it.
      if (created) await sh('ip', ['netns', 'del', namespace]);
      const left = await sh('ip', ['-o', 'link', 'show']);
      assert.ok(!left.includes(rootSide), 'the veth pair is gone');
    });

    it('failing twice opens an incident (source schedule), healthy twice resolves it', async () => {
      const response = await fetch(`${harness!.url}/api/schedules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${harness!.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ command: `net check ${HOST} count=3 timeoutMs=1000`, interval: '1h', name: 'ns-host' }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { id } = (await response.json()) as { id: string };
      const service = harness!.app.incidents.schedules;
      const slot = (hour: number) => new Date(Date.UTC(2026, 0, 2, hour));
      const incidents = () => harness!.app.incidents.store.list({ source: 'schedule', limit: 10 });
      const lastRun = async () => (await harness!.app.incidents.scheduleStore.runs(id, 1))[0]!;

      await service.runSlot(id, slot(0));
      assert.equal((await lastRun()).status, 'healthy', (await lastRun()).summary);
      await sh('ip', ['-n', namespace, 'link', 'set', nsSide, 'down']);
      await service.runSlot(id, slot(1));
      assert.equal((await lastRun()).status, 'failing', (await lastRun()).summary);
      assert.match((await lastRun()).summary, /does not answer ICMP/);
      assert.equal((await incidents()).data.length, 0, 'one failing run opens nothing (flap damping)');
      await service.runSlot(id, slot(2));
      await harness!.app.incidents.service.idle();
      const [opened] = (await incidents()).data;
      assert.equal(opened?.status, 'firing');
      assert.equal(opened?.severity, 'critical');
      assert.equal(opened?.labels.instance, HOST);
      assert.equal(opened?.route, 'schedules');
      assert.ok(opened?.conversationId, 'the incident has its console thread');

      await sh('ip', ['-n', namespace, 'link', 'set', nsSide, 'up']);
      await service.runSlot(id, slot(3));
      assert.equal((await lastRun()).status, 'healthy', (await lastRun()).summary);
      assert.equal((await incidents()).data[0]?.status, 'firing', 'one healthy run resolves nothing');
      await service.runSlot(id, slot(4));
      await harness!.app.incidents.service.idle();
      const [resolved] = (await incidents()).data;
      assert.equal(resolved?.id, opened?.id);
      assert.equal(resolved?.status, 'resolved');
      const timeline = await harness!.app.incidents.store.timeline(opened!.id);
      assert.deepEqual(
        timeline.filter((entry) => entry.kind === 'opened' || entry.kind === 'resolved').map((entry) => entry.kind),
        ['opened', 'resolved'],
      );
      const audit = await harness!.database.sql.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE action LIKE 'incident.%' ORDER BY id`,
      );
      assert.deepEqual(
        audit.map((row) => row.action),
        ['incident.opened', 'incident.resolved'],
      );
    });
  },
);
