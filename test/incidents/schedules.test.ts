/**
 * Scheduled checks on every backend: /api/schedules (operators create, everyone reads, bad
 * input refused with the field named and nothing written), the chat forms through the command
 * router (`schedule … every 5m`, `planifier … toutes les 5 minutes`, approval first), runs
 * through the pipeline as system:schedules, one run per slot, compared with the previous, and
 * flap damping: two failing runs open an incident with source `schedule` through the same
 * path as alerts, two healthy ones resolve it. The watchdog reports an overdue schedule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { scheduleToolset } from '../../src/incidents/schedule-toolset.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { probeToolset, type ProbeState } from './support/probe-toolset.js';

for (const backend of testBackends()) {
  describe(`schedules on ${backend.name}`, { timeout: 180_000 }, () => {
    let harness: TestApp;
    let operator: { id: string; token: string };
    let viewer: { id: string; token: string };
    const probe: ProbeState = { down: new Set(), executed: [] };
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const api = async (path: string, init: { method?: string; token?: string; body?: unknown; raw?: string } = {}) => {
      const response = await fetch(`${harness.url}${path}`, {
        method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
        headers: {
          authorization: `Bearer ${init.token ?? operator.token}`,
          ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
    };
    const count = async () => (await harness.database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM schedules'))[0]!.n;

    before(async () => {
      const database = await backend.open();
      harness = await startTestApp(database, {
        // Given toolsets replace the modules' toolsets: the incidents module's schedules toolset is named again.
        tools: {
          toolsets: [
            coreToolset(database),
            probeToolset(probe),
            testOpsToolset(calls),
            scheduleToolset(() => harness.app.incidents.schedules),
          ],
        },
        incidents: { schedules: { minIntervalMs: 1_000, watchdogMs: 3_600_000, node: 'test-node' } },
      });
      operator = await harness.createUser('operator');
      viewer = await harness.createUser('viewer');
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('refuses bad bodies with the field named, viewers, mutating tools and duplicates; nothing is written', async () => {
      const bad: Array<[unknown, RegExp]> = [
        [{ command: 'probe check h\u0000x', interval: '5m' }, /body\.command.*NUL/],
        [{ command: 'probe check \uD800x', interval: '5m' }, /body\.command.*surrogate/],
        [{ command: 'probe check hx', interval: '5m', name: 'bad\uDC00' }, /body\.name/],
        [{ command: '', interval: '5m' }, /body\.command/],
        [{ command: `probe check ${'h'.repeat(10_000)}`, interval: '5m' }, /body\.command.*500/],
        [{ command: 'probe check hx\nrestart x', interval: '5m' }, /body\.command.*one line/],
        [{ command: 'probe check hx', interval: '5' }, /interval/],
        [{ command: 'probe check hx', interval: '5 fortnights' }, /unknown unit/],
        [{ command: 'probe check hx', interval: '0s' }, /from 1 s to 7 days/],
        [{ command: 'probe check hx', interval: '500ms' }, /from 1 s to 7 days/],
        [{ command: 'probe check hx', interval: '999999999d' }, /from 1 s to 7 days/],
        [{ command: 'probe check hx', interval: 'x'.repeat(100) }, /body\.interval/],
        [{ command: 'probe check hx', interval: 300 }, /body\.interval/],
        [{ command: 'probe check hx', interval: '5m', failThreshold: 0 }, /body\.failThreshold/],
        [{ command: 'probe check hx', interval: '5m', recoverThreshold: 1e9 }, /body\.recoverThreshold/],
        [{ command: 'probe check hx', interval: '5m', extra: 1 }, /extra|Unrecognized/i],
        [{ command: 'restart web', interval: '5m' }, /not a read-only tool/],
        [{ command: 'wipe_disk sda', interval: '5m' }, /not a read-only tool/],
        [{ command: 'what is the weather', interval: '5m' }, /not a tool command/],
        [{ command: 'probe check', interval: '5m' }, /targets/],
      ];
      for (const [body, pattern] of bad) {
        const response = await api('/api/schedules', { body });
        assert.equal(response.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${response.status}`);
        assert.match(String(response.body.error?.message), pattern, JSON.stringify(body).slice(0, 80));
      }
      assert.equal((await api('/api/schedules', { raw: '{"command": "probe check hx", "interval": "5m"' })).status, 400);
      assert.equal((await api('/api/schedules', { token: viewer.token, body: { command: 'probe check hx', interval: '5m' } })).status, 403);
      assert.equal((await api('/api/schedules/not-a-uuid')).status, 400);
      assert.equal((await api('/api/schedules/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status, 404);
      assert.equal(await count(), 0);
      assert.deepEqual(calls.restarts, []);

      const created = await api('/api/schedules', { body: { command: 'probe check hx', interval: '5m', name: 'dup' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await api('/api/schedules', { body: { command: 'probe check hy', interval: '1h', name: 'dup' } })).status, 409);
      assert.equal(await count(), 1);
      assert.equal((await api(`/api/schedules/${created.body.id}`, { method: 'DELETE', token: viewer.token })).status, 403);
      assert.equal((await api(`/api/schedules/${created.body.id}`, { method: 'DELETE' })).status, 200);
      assert.equal(await count(), 0);
      const audit = await harness.database.sql.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE action LIKE 'schedule.%' ORDER BY id`,
      );
      assert.deepEqual(
        audit.map((row) => row.action),
        ['schedule.created', 'schedule.removed'],
      );
    });

    it('chat forms go through the command router and wait for approval; English and French intervals', async () => {
      const english = await api('/api/commands', { body: { text: 'schedule probe check core-router every 5m' } });
      assert.equal(english.status, 202, JSON.stringify(english.body));
      assert.equal(english.body.status, 'pending_approval');
      assert.equal(await count(), 0, 'nothing before the approval');
      const approved = await api(`/api/executions/${english.body.id}/approve`, { body: {} });
      assert.equal(approved.body.status, 'succeeded', JSON.stringify(approved.body));
      const french = await api('/api/commands', { body: { text: 'planifier probe check edge-router toutes les 5 minutes' } });
      await api(`/api/executions/${french.body.id}/approve`, { body: {} });
      const hourly = await api('/api/commands', { body: { text: 'planifier probe check dns-1 toutes les heures' } });
      await api(`/api/executions/${hourly.body.id}/approve`, { body: {} });
      const list = (await api('/api/schedules', { token: viewer.token })).body.data as Array<Record<string, any>>;
      assert.deepEqual(
        list.map((entry) => [entry.command, entry.tool, entry.intervalMs]),
        [
          ['probe check core-router', 'probe_check', 300_000],
          ['probe check edge-router', 'probe_check', 300_000],
          ['probe check dns-1', 'probe_check', 3_600_000],
        ],
      );

      // Bad chat forms: refused with a reason, nothing stored.
      for (const [text, pattern] of [
        ['schedule probe check core-router', /how often/],
        ['schedule probe check x every 5 fortnights', /unknown unit/],
        ['schedule probe check x every 0s', /from 1 s to 7 days/],
        ['schedule restart web every 5m', /not a read-only tool/],
        ['planifier probe check y toutes les 99999999999 jours', /interval/i],
      ] as const) {
        const proposed = await api('/api/commands', { body: { text } });
        const decided = proposed.status === 202 ? await api(`/api/executions/${proposed.body.id}/approve`, { body: {} }) : proposed;
        assert.match(JSON.stringify(decided.body), pattern, text);
      }
      assert.equal((await api('/api/commands', { body: { text: 'schedule probe check a\u0000b every 5m' } })).status, 400);
      assert.equal(await count(), 3);
      assert.deepEqual(calls.restarts, []);
      for (const entry of list) await api(`/api/schedules/${entry.id}`, { method: 'DELETE' });
    });

    it('runs once per slot through the pipeline, compares with the previous run, and opens then resolves an incident with flap damping', async () => {
      const created = await api('/api/schedules', {
        body: { command: 'probe check flappy', interval: '1h', name: 'flappy', failThreshold: 2, recoverThreshold: 2 },
      });
      const id = created.body.id as string;
      const service = harness.app.incidents.schedules;
      const slot = (n: number) => new Date(Date.UTC(2026, 0, 1, n));
      const incidents = async () => (await api('/api/incidents?source=schedule')).body.data as Array<Record<string, any>>;

      await service.runSlot(id, slot(0));
      await service.runSlot(id, slot(0)); // the same slot again (a retried job): recorded once
      probe.down.add('flappy');
      await service.runSlot(id, slot(1));
      assert.deepEqual(await incidents(), [], 'one failing run is not enough');
      await service.runSlot(id, slot(2));
      await harness.app.incidents.service.idle();
      const [opened] = await incidents();
      assert.equal(opened?.status, 'firing');
      assert.equal(opened?.groupKey, `schedule:${id}`);
      assert.equal(opened?.severity, 'critical');
      assert.equal(opened?.labels.instance, 'flappy');
      probe.down.delete('flappy');
      await service.runSlot(id, slot(3));
      probe.down.add('flappy');
      await service.runSlot(id, slot(4)); // a flap: one healthy run between failures resolves nothing
      probe.down.delete('flappy');
      await service.runSlot(id, slot(5));
      assert.equal((await incidents())[0]?.status, 'firing');
      await service.runSlot(id, slot(6));
      await harness.app.incidents.service.idle();
      const [resolved] = await incidents();
      assert.equal(resolved?.id, opened?.id);
      assert.equal(resolved?.status, 'resolved');

      const detail = await api(`/api/schedules/${id}`, { token: viewer.token });
      const runs = (detail.body.runs as Array<Record<string, any>>).reverse();
      assert.deepEqual(
        runs.map((run) => run.status),
        ['healthy', 'failing', 'failing', 'healthy', 'failing', 'healthy', 'healthy'],
      );
      assert.deepEqual(
        runs.map((run) => run.changed),
        [true, true, false, true, true, true, false],
      );
      assert.equal(detail.body.schedule.alerting, false);
      assert.equal(detail.body.schedule.runs, 7);
      assert.equal(probe.executed.filter((entry) => entry.target === 'flappy').length, 8, 'the duplicate slot ran but was not recorded');
      const executions = await harness.database.sql.query<{ requester: string; channel: string }>(
        `SELECT u.name AS requester, e.channel::text AS channel FROM executions e JOIN users u ON u.id = e.requester_id WHERE e.tool = 'probe_check'`,
      );
      assert.ok(executions.length >= 8 && executions.every((row) => row.requester === 'system:schedules' && row.channel === 'system'));
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(metrics, /vigie_schedule_runs_total\{status="duplicate"\} 1/);
      assert.match(metrics, /vigie_incidents\{state="resolved",source="schedule"\} 1/);
      await api(`/api/schedules/${id}`, { method: 'DELETE' });
    });

    it('in-process timers fire the schedule; the watchdog reports it overdue when no run came for twice its interval', async () => {
      const created = await api('/api/schedules', { body: { command: 'probe check timer-host', interval: '1s', name: 'timer' } });
      await harness.app.incidents.schedules.start();
      await waitFor(async () => ((await api(`/api/schedules/${created.body.id}`)).body.runs.length >= 2 ? true : undefined), 30_000);
      const overdue = await harness.app.incidents.schedules.tick(new Date(Date.now() + 60_000));
      assert.deepEqual(
        overdue.map((schedule) => schedule.name),
        ['timer'],
      );
      assert.match(await (await fetch(`${harness.url}/metrics`)).text(), /vigie_schedules_overdue 1/);
      assert.deepEqual(
        (await harness.app.incidents.schedules.tick()).map((schedule) => schedule.name),
        [],
      );
      await api(`/api/schedules/${created.body.id}`, { method: 'DELETE' });
    });
  });
}
