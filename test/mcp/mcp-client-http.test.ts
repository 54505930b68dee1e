/**
 * External MCP servers beyond the stdio basics, on every backend: server-everything over
 * Streamable HTTP (a real child listening on loopback), and a server whose tool list changes
 * at run time (the registry follows `notifications/tools/list_changed`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const root = path.resolve(import.meta.dirname, '../..');
const EVERYTHING = path.join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const CHANGING = path.join(import.meta.dirname, 'support', 'changing-server.ts');
/** Stdio servers run in the temporary directory: the tsx loader is given by absolute URL. */
const TSX = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
/** A port the kernel just gave out and freed (server-everything takes its port from PORT). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const backend of testBackends()) {
  describe(`MCP client over HTTP and list_changed on ${backend.name}`, () => {
    let harness: TestApp;
    let admin: ReturnType<typeof apiClient>;
    let operator: ReturnType<typeof apiClient>;
    let child: ChildProcess;
    let port = 0;

    before(async () => {
      port = await freePort();
      child = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
        env: { PATH: process.env.PATH ?? '', PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let started = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          started += chunk.toString();
          if (/listening on port/.test(started)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`server-everything exited (${code}): ${started}`)));
      });
      const database = await backend.open();
      harness = await startTestApp(database, {
        tools: { toolsets: [coreToolset(database)] },
        mcp: { reconcileMs: 0, timings: { connectTimeoutMs: 90_000, initialBackoffMs: 200, maxBackoffMs: 1_000 } },
      });
      await harness.app.tools.start();
      admin = apiClient(harness.url, harness.adminToken);
      operator = apiClient(harness.url, (await harness.createUser('operator')).token);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
      child.kill();
    });

    it('registers an http server (headers kept secret) and calls its tools', async () => {
      const created = await admin.post('/api/mcp/servers', {
        name: 'remote',
        transport: 'http',
        url: `http://127.0.0.1:${port}/mcp`,
        headers: { 'X-Api-Key': 'header-secret-value' },
        toolRisks: { echo: 'read' },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.status.state, 'connected');
      assert.deepEqual(created.body.headerNames, ['X-Api-Key']);
      assert.doesNotMatch(created.text, /header-secret-value/);
      const echoed = await operator.post('/api/commands', { text: 'remote.echo message=over-http' });
      assert.equal(echoed.body.status, 'succeeded', echoed.text);
      assert.equal(echoed.body.result.data.content[0].text, 'Echo: over-http');
    });

    it('follows tools/list_changed from a server', async () => {
      const created = await admin.post('/api/mcp/servers', {
        name: 'changing',
        transport: 'stdio',
        command: process.execPath,
        args: ['--import', TSX, CHANGING],
        riskLevel: 'read',
      });
      assert.equal(created.status, 201, created.text);
      assert.ok(created.body.tools.includes('changing.add_tool') && !created.body.tools.includes('changing.extra'));
      const added = await operator.post('/api/commands', { text: 'changing.add_tool' });
      assert.equal(added.body.status, 'succeeded', added.text);
      await waitFor(async () => harness.app.tools.registry.get('changing.extra'), 60_000);
      const extra = await operator.post('/api/commands', { text: 'changing.extra word=later' });
      assert.equal(extra.body.result.data.content[0].text, 'extra later');
      const row = await waitFor(() => harness.database.prisma.command.findUnique({ where: { name: 'changing.extra' } }));
      assert.equal(row.active, true);
    });

    it('cuts a call to a hung server at the deadline, marks it unavailable and restarts it', async () => {
      const created = await admin.post('/api/mcp/servers', {
        name: 'spinner',
        transport: 'stdio',
        command: process.execPath,
        args: ['--import', TSX, CHANGING],
        riskLevel: 'read',
        timeoutMs: 1_000,
      });
      assert.equal(created.status, 201, created.text);
      const connection = harness.app.mcpClients.connection('spinner')!;
      const pid = connection.pid;
      const hung = await operator.post('/api/commands', { text: 'spinner.spin' });
      assert.equal(hung.body.status, 'timed_out', hung.text);
      const down = await waitFor(async () => (connection.current().failures > 0 ? connection.current() : undefined), 60_000);
      assert.match(down.detail ?? '', /stopped answering/);
      await waitFor(async () => connection.current().state === 'connected' && connection.pid !== pid, 90_000);
      const back = await operator.post('/api/commands', { text: 'spinner.add_tool' });
      assert.equal(back.body.status, 'succeeded', back.text);
    });
  });
}
