/**
 * POST /api/network-analysis and the stored reports over real HTTP on every backend, plus
 * the toolset as the agent and router call it. Targets are on loopback (a TCP server on an
 * ephemeral port), so these tests need no namespaces.
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { ReportStore } from '../../src/tools/network/report-store.js';
import type { ToolContext } from '../../src/tools/tool-contract.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

async function listen(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

for (const backend of testBackends()) {
  describe(`network analysis API on ${backend.name}`, () => {
    let harness: TestApp;
    let operator: ReturnType<typeof apiClient>;
    let viewer: ReturnType<typeof apiClient>;
    let server: net.Server;
    let openPort: number;
    let closedPort: number;

    before(async () => {
      harness = await startTestApp(await backend.open(), { config: { NET_ALLOWED_TARGETS: '127.0.0.0/8,198.18.0.0/15' } });
      operator = apiClient(harness.url, (await harness.createUser('operator')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      server = await listen();
      openPort = (server.address() as AddressInfo).port;
      const spare = await listen();
      closedPort = (spare.address() as AddressInfo).port;
      await new Promise((resolve) => spare.close(resolve));
    });
    after(async () => {
      server?.close();
      await harness.close();
      await harness.database.close();
    });

    it('runs an analysis, stores it and compares it with the day before', async () => {
      const body = {
        targets: ['127.0.0.1'],
        checks: ['ping', 'tcp'],
        options: { ports: [openPort, closedPort], count: 3, intervalMs: 20 },
      };
      const first = await operator.post('/api/network-analysis', body);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.measurements[0].ping.received, 3);
      const states = Object.fromEntries(first.body.measurements[0].tcp.map((port: any) => [port.port, port.state]));
      assert.deepEqual(states, { [openPort]: 'open', [closedPort]: 'closed' });
      assert.equal(first.body.findings[0].severity, 'warning');
      assert.equal(first.body.findings[0].title, `Port ${closedPort} closed on 127.0.0.1`);
      assert.match(first.body.summary, /1 warning/);

      const read = await viewer.get(`/api/network-analysis/${first.body.id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.findings, first.body.findings);

      // Yesterday's run on the same targets: the port was open then and ICMP lossy.
      const store = new ReportStore(harness.database.prisma);
      const yesterday = await store.save(
        {
          ...first.body,
          id: undefined,
          createdAt: new Date(Date.now() - 24 * 3_600_000).toISOString(),
          findings: [],
          measurements: [
            {
              ...first.body.measurements[0],
              ping: { ...first.body.measurements[0].ping, lossPercent: 40 },
              tcp: first.body.measurements[0].tcp.map((port: any) => ({ ...port, state: 'open' })),
            },
          ],
        },
        { userId: null, channel: 'api' },
      );
      const second = await operator.post('/api/network-analysis', body);
      const comparison = await viewer.get(`/api/network-analysis/${second.body.id}/compare`);
      assert.equal(comparison.status, 200);
      assert.equal(comparison.body.baseline.id, yesterday.id, 'the report from about a day before is the baseline');
      const changed = Object.fromEntries(comparison.body.changes.map((change: any) => [change.metric, [change.before, change.after]]));
      assert.deepEqual(changed[`port ${closedPort}`], ['open', 'closed']);
      assert.deepEqual(changed.lossPercent, [40, 0]);
      assert.equal(comparison.body.newFindings[0].title, `Port ${closedPort} closed on 127.0.0.1`);
      const explicit = await viewer.get(`/api/network-analysis/${second.body.id}/compare?with=${first.body.id}`);
      assert.equal(explicit.body.baseline.id, first.body.id);
      assert.deepEqual(explicit.body.newFindings, []);

      const listed = await viewer.get('/api/network-analysis?targets=127.0.0.1&limit=10');
      assert.deepEqual(
        listed.body.data.map((report: any) => report.id),
        [second.body.id, first.body.id, yesterday.id],
      );
      const audit = await harness.database.prisma.auditEvent.findMany({ where: { action: 'network.analysis', status: 'success' } });
      assert.equal(audit.length, 2);
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(metrics, /vigie_network_runs_total\{status="warning"\} 2/);
      assert.match(metrics, /vigie_network_probes_total\{check="tcp"\} 4/);
    });

    it('refuses hostile input with clear errors, audited, and stores nothing', async () => {
      const before = await harness.database.prisma.networkReport.count();
      const cases: Array<[unknown, number, RegExp]> = [
        [{ targets: ['8.8.8.8'] }, 403, /outside NET_ALLOWED_TARGETS/],
        [{ targets: ['127.0.0.1; rm -rf /'] }, 400, /not a dotted-quad IPv4 address or a valid host name/],
        [{ targets: ['::1'] }, 400, /IPv6/],
        [{ targets: ['127.0.0.1'], checks: ['tcp'], options: { ports: '1-65535' } }, 400, /too large/],
        [{ targets: ['127.0.0.1'], options: { count: 100000 } }, 400, /count/],
        [{ targets: ['127.0.0.1'], options: { shell: 'id' } }, 400, /shell/],
      ];
      for (const [body, status, message] of cases) {
        const response = await operator.post('/api/network-analysis', body);
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.match(JSON.stringify(response.body.error), message);
      }
      assert.equal((await viewer.post('/api/network-analysis', { targets: ['127.0.0.1'] })).status, 403);
      assert.equal(await harness.database.prisma.networkReport.count(), before);
      const refused = await harness.database.prisma.auditEvent.findMany({ where: { action: 'network.analysis', status: 'refused' } });
      assert.ok(refused.length >= 3, 'guardrail refusals are audited');
      assert.equal((await viewer.get('/api/network-analysis/019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f')).status, 404);
    });

    it('serves the toolset to the agent and the router', async () => {
      const config = { ...loadConfig({}), NET_ALLOWED_TARGETS: '127.0.0.0/8' };
      const toolset = networkToolset({ config, database: harness.database, logger: pino({ level: 'silent' }) });
      assert.deepEqual(
        toolset.tools.map((tool) => tool.name),
        ['net_check', 'net_path', 'net_interfaces', 'net_snmp_poll'],
      );
      assert.ok(toolset.tools.every((tool) => tool.risk === 'read'));
      assert.deepEqual((await toolset.checkPrerequisites()).ok, true);
      const user = await harness.createUser('operator');
      const context: ToolContext = {
        principal: { userId: user.id, userName: 'bot', role: 'operator', tokenId: null },
        channel: 'console',
        conversationId: null,
        signal: new AbortController().signal,
        traceId: 't',
        executionId: 'e',
      };
      const check = toolset.tools.find((tool) => tool.name === 'net_check')!;
      // What the router hands over for `net check 127.0.0.1 ports=<open>,<closed>`.
      const input = check.inputSchema.parse({ targets: '127.0.0.1', ports: `${openPort},${closedPort}` });
      const result = await check.execute(input, context);
      assert.equal(result.status, 'success');
      const data = result.data as any;
      assert.match(data.reportId, /^[0-9a-f-]{36}$/);
      assert.equal(data.measurements[0].tcp.length, 2);
      const refused = await check.execute(check.inputSchema.parse({ targets: '10.0.0.1' }), context);
      assert.equal(refused.status, 'error');
      assert.equal(refused.error?.code, 'forbidden');
      const interfaces = await toolset.tools.find((tool) => tool.name === 'net_interfaces')!.execute({ name: 'lo' }, context);
      assert.equal(interfaces.status, 'success');
      assert.equal((interfaces.data as any).interfaces[0].name, 'lo');
      assert.ok((interfaces.data as any).interfaces[0].addresses.includes('127.0.0.1/8'));
      assert.equal(check.inputSchema.safeParse({ targets: '127.0.0.1', ports: '1-100000' }).success, false);
    });
  });
}
