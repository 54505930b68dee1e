/**
 * The `vigie mcp` commands as child processes against a running app over real HTTP:
 * `mcp add` with a stdio command line (and a refused one), `mcp list`, and `mcp serve --stdio`
 * driven by the SDK's stdio client (tools listed and called through the server's pipeline),
 * refusing a bad VIGIE_TOKEN.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const root = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(import.meta.dirname, 'support', 'cli-entry.ts');
const EVERYTHING = path.join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const run = promisify(execFile);

const backend = testBackends()[0]!;
describe('vigie mcp commands', () => {
  let harness: TestApp;
  let environment: Record<string, string>;

  before(async () => {
    const database = await backend.open();
    harness = await startTestApp(database, { tools: { toolsets: [coreToolset(database)] }, mcp: { reconcileMs: 0 } });
    await harness.app.tools.start();
    environment = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      VIGIE_URL: harness.url,
      VIGIE_TOKEN: harness.adminToken,
      LOG_LEVEL: 'silent',
    };
  });
  after(async () => {
    await harness.close();
    await harness.database.close();
  });

  const cli = (args: string[], env = environment) =>
    run(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: root, env, timeout: 240_000 }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('adds a stdio server from a command line and lists it; refuses a bad one with the reason', async () => {
    const added = await cli([
      'mcp',
      'add',
      'everything',
      '--stdio',
      `"${process.execPath}" "${EVERYTHING}" stdio`,
      '--tool-risk',
      'echo=read',
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /MCP server everything: connected/);
    assert.match(added.stdout, /everything\.echo/);
    const listed = await cli(['mcp', 'list']);
    assert.match(listed.stdout, /everything/);
    const bad = await cli(['mcp', 'add', 'broken', '--url', 'ftp://example.com/mcp']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /url must be an http/);
    const both = await cli(['mcp', 'add', 'both', '--url', 'http://127.0.0.1:1/mcp', '--stdio', 'node']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /exactly one of --stdio/);
  });

  it("serves Vigie over stdio with VIGIE_TOKEN, through the server's pipeline", async () => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', ENTRY, 'mcp', 'serve', '--stdio'],
        env: environment,
        cwd: root,
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes('system_status') && names.includes('vigie_execution') && names.includes('everything.echo'), names.join(','));
      const echoed = await client.callTool({ name: 'everything.echo', arguments: { message: 'via stdio' } });
      const structured = echoed.structuredContent as {
        status: string;
        executionId: string;
        result: { data: { content: Array<{ text: string }> } };
      };
      assert.equal(structured.status, 'succeeded');
      assert.equal(structured.result.data.content[0]!.text, 'Echo: via stdio');
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: structured.executionId } });
      assert.equal(row.channel, 'mcp');
    } finally {
      await client.close();
    }
  });

  it('refuses to serve with a bad VIGIE_TOKEN', async () => {
    const refused = await cli(['mcp', 'serve', '--stdio'], { ...environment, VIGIE_TOKEN: 'vig_wrong' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401|Unauthorized/);
  });
});
