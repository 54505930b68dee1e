/**
 * The execution pipeline over real HTTP on every backend: catalog from the registry, read
 * tools, role denial, approvals (another operator; never self-approval for disruptive),
 * deny, expiry, timeout, cancellation, failures as data, durable jobs, redaction and bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, unavailableToolset, waitFor, type ToolCalls } from './support/test-toolsets.js';

const TTL = 60_000;

for (const backend of testBackends()) {
  describe(`execution pipeline on ${backend.name}`, () => {
    let harness: TestApp;
    let clockOffset = 0;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    let admin: ReturnType<typeof apiClient>;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let viewer: ReturnType<typeof apiClient>;
    let aliceId: string;

    before(async () => {
      const database = await backend.open();
      harness = await startTestApp(database, {
        tools: {
          toolsets: [coreToolset(database), testOpsToolset(calls), unavailableToolset()],
          approvalTtlMs: TTL,
          now: () => new Date(Date.now() + clockOffset),
        },
      });
      await harness.app.tools.start();
      admin = apiClient(harness.url, harness.adminToken);
      const aliceUser = await harness.createUser('operator');
      aliceId = aliceUser.id;
      alice = apiClient(harness.url, aliceUser.token);
      bob = apiClient(harness.url, (await harness.createUser('operator')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    const auditOf = async (executionId: string) => {
      const page = await admin.get(`/api/audit?executionId=${executionId}&limit=50`);
      assert.equal(page.status, 200);
      return (page.body.data as Array<{ action: string; arguments: unknown; approverId: string | null }>).reverse();
    };

    it('serves the catalog from the registry, listing unavailable tools as unavailable', async () => {
      const catalog = await viewer.get('/api/commands');
      assert.equal(catalog.status, 200);
      const names = catalog.body.data.map((entry: { name: string }) => entry.name);
      assert.ok(names.includes('system_status') && names.includes('knowledge_search') && names.includes('restart_service'));
      const hardware = catalog.body.data.find((entry: { name: string }) => entry.name === 'hardware_probe');
      assert.equal(hardware.active, false);
      assert.match(hardware.unavailableReason, /tc binary not found/);
      assert.equal(hardware.parameters.type, 'object');
      const onlyActive = await viewer.get('/api/commands?includeInactive=false');
      assert.ok(!onlyActive.body.data.some((entry: { name: string }) => entry.name === 'hardware_probe'));
      const row = await harness.database.prisma.command.findUnique({ where: { name: 'hardware_probe' } });
      assert.equal(row?.active, false);
      const health = await fetch(`${harness.url}/health`).then((response) => response.json() as Promise<any>);
      assert.equal(health.tools.toolsets.needs_hardware.ok, false);
      assert.equal(health.tools.toolsets.core.ok, true);
      const refused = await viewer.post('/api/commands', { tool: 'hardware_probe' });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'tool_unavailable');
    });

    it('runs a read tool at once and audits proposed, started, succeeded', async () => {
      const response = await viewer.post('/api/commands', { tool: 'system_status', args: {} });
      assert.equal(response.status, 200);
      assert.equal(response.body.status, 'succeeded');
      assert.equal(response.body.result.status, 'success');
      assert.equal(response.body.result.data.database.backend, backend.name);
      assert.deepEqual(
        (await auditOf(response.body.id)).map((event) => event.action),
        ['execution.proposed', 'execution.started', 'execution.succeeded'],
      );
      const again = await viewer.get(`/api/executions/${response.body.id}`);
      assert.equal(again.body.status, 'succeeded');
      assert.equal((await bob.get(`/api/executions/${response.body.id}`)).status, 200, 'operators see every execution');
      const otherViewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      assert.equal((await otherViewer.get(`/api/executions/${response.body.id}`)).status, 404);
    });

    it('routes command lines, help and the knowledge base', async () => {
      await harness.app.context.knowledge.ingestBytes({
        bytes: Buffer.from('When the core router flaps, check BGP timers first.'),
        contentType: 'text/plain',
        title: 'Core router runbook',
      });
      const hit = await viewer.post('/api/commands', { text: 'kb core router limit=2' });
      assert.equal(hit.status, 200);
      assert.equal(hit.body.tool, 'knowledge_search');
      assert.deepEqual(hit.body.arguments, { query: 'core router', limit: 2 });
      assert.equal(hit.body.result.data.citations[0].title, 'Core router runbook');
      assert.match(hit.body.result.data.answer, /check BGP timers first\. \[1\]\n\nSources:\n\[1\] Core router runbook/);
      const miss = await viewer.post('/api/commands', { text: 'knowledge_search query="zebra migration"' });
      assert.equal(miss.body.result.status, 'no_data');
      const help = await viewer.post('/api/commands', { text: 'help' });
      assert.match(help.body.help, /^ {2}status /m);
      assert.doesNotMatch(help.body.help, /^ {2}restart /m, 'help lists only what the role may run');
      const toolHelp = await viewer.post('/api/commands', { text: 'help kb' });
      assert.match(toolHelp.body.help, /query=<string> \(required\)/);
    });

    it('denies by role and audits the refusal', async () => {
      const denied = await viewer.post('/api/commands', { text: 'restart nginx' });
      assert.equal(denied.status, 403);
      assert.match(denied.body.error.message, /operator/);
      assert.equal((await alice.post('/api/commands', { tool: 'admin_only' })).status, 403);
      const refusals = await admin.get('/api/audit?action=execution.refused&tool=restart_service');
      assert.ok(refusals.body.data.length >= 1);
      assert.equal(calls.restarts.length, 0);
    });

    it('holds a mutating tool for approval by an operator, then runs it', async () => {
      const proposed = await alice.post('/api/commands', { text: 'restart nginx' });
      assert.equal(proposed.status, 202);
      assert.equal(proposed.body.status, 'pending_approval');
      assert.ok(proposed.body.expiresAt);
      assert.equal(calls.restarts.length, 0);
      assert.equal((await viewer.post(`/api/executions/${proposed.body.id}/approve`)).status, 403);
      const approved = await bob.post(`/api/executions/${proposed.body.id}/approve`);
      assert.equal(approved.status, 200);
      assert.equal(approved.body.status, 'succeeded');
      assert.deepEqual(calls.restarts, ['nginx']);
      const events = await auditOf(proposed.body.id);
      assert.deepEqual(
        events.map((event) => event.action),
        ['execution.proposed', 'execution.approved', 'execution.started', 'execution.succeeded'],
      );
      assert.ok(events[1]!.approverId);
      assert.equal((await bob.post(`/api/executions/${proposed.body.id}/approve`)).status, 409);
    });

    it('refuses self-approval of a disruptive tool and accepts another operator', async () => {
      const proposed = await alice.post('/api/commands', { text: 'wipe_disk sdb' });
      assert.equal(proposed.status, 202);
      const self = await alice.post(`/api/executions/${proposed.body.id}/approve`);
      assert.equal(self.status, 403);
      assert.match(self.body.error.message, /someone other than its requester/);
      assert.equal(calls.wipes.length, 0);
      const other = await bob.post(`/api/executions/${proposed.body.id}/approve`);
      assert.equal(other.body.status, 'succeeded');
      assert.deepEqual(calls.wipes, ['sdb']);
      assert.equal(other.body.requesterId, aliceId);
    });

    it('denies, and expires stale approvals as denials', async () => {
      const denied = await alice.post('/api/commands', { text: 'restart redis' });
      const deny = await bob.post(`/api/executions/${denied.body.id}/deny`);
      assert.equal(deny.body.status, 'denied');
      assert.equal((await bob.post(`/api/executions/${denied.body.id}/approve`)).status, 409);

      const stale = await alice.post('/api/commands', { text: 'restart postgres' });
      const swept = await alice.post('/api/commands', { text: 'restart haproxy' });
      clockOffset += TTL + 1_000;
      const late = await bob.post(`/api/executions/${stale.body.id}/approve`);
      assert.equal(late.status, 409);
      assert.match(late.body.error.message, /expired/);
      assert.equal((await alice.get(`/api/executions/${stale.body.id}`)).body.status, 'expired');
      assert.ok((await harness.app.tools.executions.expireStale()) >= 1);
      assert.equal((await alice.get(`/api/executions/${swept.body.id}`)).body.status, 'expired');
      assert.ok((await auditOf(swept.body.id)).some((event) => event.action === 'execution.expired'));
      assert.ok(!calls.restarts.includes('postgres') && !calls.restarts.includes('haproxy') && !calls.restarts.includes('redis'));
    });

    it('times out a tool that ignores its signal, and returns failures as data', async () => {
      const slow = await viewer.post('/api/commands', { tool: 'slow_probe', args: { ms: 5_000, ignoreAbort: true } });
      assert.equal(slow.status, 200);
      assert.equal(slow.body.status, 'timed_out');
      assert.equal(slow.body.result.error.code, 'timeout');
      const broken = await viewer.post('/api/commands', { tool: 'broken_tool' });
      assert.equal(broken.body.status, 'failed');
      assert.deepEqual(broken.body.result.error, { code: 'tool_error', message: 'disk on fire' });
      assert.ok((await auditOf(slow.body.id)).some((event) => event.action === 'execution.timed_out'));
    });

    it('cancels a running execution and a pending one', async () => {
      const slowTool = harness.app.tools.registry.get('slow_probe')!.tool;
      const original = slowTool.timeoutMs;
      slowTool.timeoutMs = 30_000;
      try {
        const running = viewer.post('/api/commands', { tool: 'slow_probe', args: { ms: 20_000 } });
        const row = await waitFor(() => harness.database.prisma.execution.findFirst({ where: { tool: 'slow_probe', status: 'running' } }));
        const cancelled = await viewer.post(`/api/executions/${row.id}/cancel`);
        assert.equal(cancelled.status, 200);
        assert.equal(cancelled.body.status, 'cancelled');
        assert.equal((await running).body.status, 'cancelled');
      } finally {
        slowTool.timeoutMs = original;
      }
      const pending = await alice.post('/api/commands', { text: 'restart mysql' });
      assert.equal((await viewer.post(`/api/executions/${pending.body.id}/cancel`)).status, 404);
      const cancelled = await alice.post(`/api/executions/${pending.body.id}/cancel`);
      assert.equal(cancelled.body.status, 'cancelled');
      assert.equal((await bob.post(`/api/executions/${pending.body.id}/approve`)).status, 409);
    });

    it('runs durable tools as queued jobs with progress', async () => {
      const queued = await viewer.post('/api/commands', { text: 'long_sweep steps=3' });
      assert.equal(queued.status, 202);
      assert.equal(queued.body.status, 'queued');
      const done = await waitFor(async () => {
        const current = await viewer.get(`/api/executions/${queued.body.id}`);
        return current.body.status === 'succeeded' ? current.body : undefined;
      });
      assert.equal(done.result.data.steps, 3);
    });

    it('never shows secrets in executions or the audit trail', async () => {
      const proposed = await alice.post('/api/commands', {
        tool: 'restart_service',
        args: { service: 'vault', password: 'hunter2-very-secret' },
      });
      assert.equal(proposed.body.arguments.password, '[redacted]');
      await bob.post(`/api/executions/${proposed.body.id}/approve`);
      for (const event of await auditOf(proposed.body.id)) {
        assert.doesNotMatch(JSON.stringify(event), /hunter2/);
      }
      const exported = await admin.get(`/api/audit/export?format=jsonl&executionId=${proposed.body.id}`);
      assert.doesNotMatch(exported.text, /hunter2/);
      assert.equal(exported.text.trim().split('\n').length, 4);
    });

    it('rejects bad input with clear errors', async () => {
      const cases: Array<[unknown, number, RegExp]> = [
        [{ tool: 'no_such_tool' }, 400, /Unknown tool/],
        [{ text: 'frobnicate the widgets' }, 400, /not a command/],
        [{ tool: 'knowledge_search', args: { query: 42 } }, 400, /query/],
        [{ tool: 'knowledge_search', args: { query: 'x', limit: 'many' } }, 400, /limit/],
        [{ tool: 'knowledge_search', args: { query: 'x', bogus: 1 } }, 400, /bogus|Unrecognized/],
        [{ tool: 'knowledge_search', args: { query: 'x'.repeat(20_000) } }, 400, /exceed/],
        [{ tool: 'knowledge_search', args: { query: 'a\u0000b' } }, 400, /NUL/],
        [{ text: 'kb "unterminated' }, 400, /Unterminated/],
        [{ text: 'kb \u0001\u0002binary' }, 400, /control characters/],
        [{ text: 'help nothing_here' }, 400, /Unknown command/],
        [{ tool: 'system_status', text: 'both' }, 400, /Invalid body/],
        [{}, 400, /Invalid body/],
      ];
      for (const [body, status, message] of cases) {
        const response = await viewer.post('/api/commands', body);
        assert.equal(response.status, status, JSON.stringify(body).slice(0, 80));
        assert.match(response.body.error.message, message);
      }
      assert.equal((await viewer.get('/api/executions/not-a-uuid')).status, 400);
      assert.equal((await viewer.get('/api/executions/00000000-0000-4000-8000-000000000000')).status, 404);
    });

    it('keeps one verifiable chain, filters, pages and exports the audit trail', async () => {
      await Promise.all(Array.from({ length: 20 }, () => viewer.post('/api/commands', { tool: 'system_status' })));
      const verify = await admin.get('/api/audit/verify');
      assert.equal(verify.status, 200);
      assert.equal(verify.body.ok, true);
      assert.ok(verify.body.checked > 60);
      assert.equal((await alice.get('/api/audit/verify')).status, 403);
      const first = await admin.get('/api/audit?tool=system_status&limit=10');
      assert.equal(first.body.data.length, 10);
      const second = await admin.get(`/api/audit?tool=system_status&limit=10&cursor=${first.body.nextCursor}`);
      assert.ok(BigInt(second.body.data[0].id) < BigInt(first.body.data[9].id));
      assert.equal((await admin.get('/api/audit?cursor=abc')).status, 400);
      assert.equal((await admin.get('/api/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z')).status, 400);
      const csv = await admin.get('/api/audit/export?format=csv&tool=system_status');
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      const lines = csv.text.trim().split('\n');
      assert.equal(lines[0]!.split(',')[0], 'id');
      assert.ok(lines.length > 60);
    });
  });
}
