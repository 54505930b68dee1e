/**
 * Hostile input on every MCP input: server registrations (names, commands, args, env,
 * URLs, headers: NUL, lone surrogates, newlines, huge and empty values), the server name in
 * the path (bad percent-encoding, huge), and what an MCP client sends (tool names, arguments,
 * resource URIs). Each gets a clear error, nothing crashes and nothing is half-written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parsePairs } from '../../src/cli/mcp-commands.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { apiClient, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const backend = testBackends().at(-1)!;
describe(`MCP hostile input on ${backend.name}`, { timeout: 120_000 }, () => {
  let harness: TestApp;
  let client: Client;

  before(async () => {
    const database = await backend.open();
    harness = await startTestApp(database, { tools: { toolsets: [coreToolset(database)] }, mcp: { reconcileMs: 0 } });
    await harness.app.tools.start();
    const operator = await harness.createUser('operator');
    client = new Client({ name: 'hostile', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${operator.token}` } },
      }),
    );
  });
  after(async () => {
    await client?.close();
    await harness.close();
    await harness.database.close();
  });

  it('refuses hostile registrations with a clear 400 and stores nothing', async () => {
    const admin = apiClient(harness.url, harness.adminToken);
    const stdio = { transport: 'stdio', command: 'node' };
    const http_ = { transport: 'http', url: 'http://127.0.0.1:1/mcp' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...stdio, name: '' }, /name/],
      [{ ...stdio, name: 'a\u0000b' }, /name/],
      [{ ...stdio, name: 'x'.repeat(100_000) }, /name/],
      [{ ...stdio, name: 'bad\ud800' }, /name/],
      [{ ...stdio, name: 'ok', command: '' }, /command must not be empty|needs a command/],
      [{ ...stdio, name: 'ok', command: 'node\ud800' }, /lone UTF-16 surrogate/],
      [{ ...stdio, name: 'ok', args: ['a\u0000'] }, /control characters|NUL/],
      [{ ...stdio, name: 'ok', args: ['\udc00x'] }, /lone UTF-16 surrogate/],
      [{ ...stdio, name: 'ok', args: Array.from({ length: 65 }, () => 'a') }, /At most 64 arguments/],
      [{ ...stdio, name: 'ok', env: { 'BAD NAME': 'x' } }, /env names must match|Invalid key/],
      [{ ...stdio, name: 'ok', env: { GOOD: 'v\ud800' } }, /lone UTF-16 surrogate/],
      [{ ...stdio, name: 'ok', env: { GOOD: 'x'.repeat(5_000) } }, /longer than 4000/],
      [{ ...http_, name: 'ok', headers: { 'X-Evil': 'a\nInjected: yes' } }, /one line/],
      [{ ...http_, name: 'ok', headers: { 'X-Evil': 'a\r\nInjected: yes' } }, /control characters|one line/],
      [{ ...http_, name: 'ok', headers: { 'Bad Header': 'x' } }, /header names must match|Invalid key/],
      [{ ...http_, name: 'ok', headers: { 'X-Token': '\ud800' } }, /lone UTF-16 surrogate/],
      [{ ...http_, name: 'ok', url: 'http://%zz/' }, /url must be an http/],
      [{ ...http_, name: 'ok', url: `http://example.com/${'a'.repeat(3_000)}` }, /longer than 2000/],
      [{ ...http_, name: 'ok', url: 'javascript:alert(1)' }, /url must be an http/],
      [{ ...stdio, name: 'ok', toolRisks: { echo: 'root' } }, /toolRisks/],
      [{ ...stdio, name: 'ok', timeoutMs: 1e12 }, /timeoutMs/],
      [{ ...stdio, name: 'ok', extra: true }, /extra|Unrecognized/i],
    ];
    for (const [body, pattern] of cases) {
      const response = await admin.post('/api/mcp/servers', body);
      assert.equal(response.status, 400, `${JSON.stringify(body).slice(0, 100)} → ${response.text.slice(0, 200)}`);
      assert.match(JSON.stringify(response.body.error), pattern, JSON.stringify(body).slice(0, 100));
    }
    const notObject = await http(`${harness.url}/api/mcp/servers`, {
      method: 'POST',
      raw: '"just a string"',
      token: harness.adminToken,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notObject.status, 400);
    for (const path of ['%zz', encodeURIComponent('a\u0000b'), 'x'.repeat(5_000), '%ED%A0%80']) {
      const removed = await http(`${harness.url}/api/mcp/servers/${path}`, { method: 'DELETE', token: harness.adminToken });
      assert.ok([400, 404].includes(removed.status), `DELETE ${path.slice(0, 20)} → ${removed.status}`);
      const found = await http(`${harness.url}/api/mcp/servers/${path}`, { token: harness.adminToken });
      assert.ok([400, 404].includes(found.status), `GET ${path.slice(0, 20)} → ${found.status}`);
    }
    assert.equal(await harness.database.prisma.mcpServer.count(), 0);
    // The server still answers.
    assert.equal((await admin.get('/api/mcp/servers')).status, 200);
  });

  it('parses CLI K=V pairs strictly', () => {
    assert.deepEqual(parsePairs(['Authorization=Bearer a=b'], '--header'), { Authorization: 'Bearer a=b' });
    assert.throws(() => parsePairs(['novalue'], '--header'), /NAME=value/);
    assert.throws(() => parsePairs(['=value'], '--header'), /NAME=value/);
  });

  it('answers hostile tool calls and resource URIs with errors, never a crash', async () => {
    for (const name of ['', 'a\u0000b', 'x\ud800', 'y'.repeat(100_000), '../../etc/passwd']) {
      const result = await client.callTool({ name, arguments: {} });
      assert.equal(result.isError, true, JSON.stringify(name.slice(0, 20)));
    }
    for (const args of [{ unexpected: 'a\u0000b' }, { key: '\ud800' }, { big: 'z'.repeat(200_000) }]) {
      const result = await client.callTool({ name: 'system_status', arguments: args });
      assert.equal(result.isError, true, JSON.stringify(args).slice(0, 40));
    }
    for (const uri of [
      'vigie://documents/%zz',
      'vigie://documents/%ED%A0%80',
      'vigie://documents/a%00b',
      'not a uri',
      `vigie://documents/${'a'.repeat(50_000)}`,
      'file:///etc/passwd',
    ]) {
      await assert.rejects(client.readResource({ uri }), /MCP error -32(60[0-9]|002)/, uri.slice(0, 40));
    }
    // A query's bad percent-encoding is kept literally (URLSearchParams), a plain search.
    assert.ok(
      JSON.parse(String(((await client.readResource({ uri: 'vigie://documents?q=%zz' })).contents[0] as { text: string }).text)).results,
    );
    await assert.rejects(client.listResources({ cursor: '\u0000' }), /MCP error/);
    const status = await client.callTool({ name: 'system_status', arguments: {} });
    assert.notEqual(status.isError, true);
  });
});
