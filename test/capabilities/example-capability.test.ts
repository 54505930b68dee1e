/**
 * Adding a capability is one line (issue #19): the example module, appended to the shipped
 * list with withCapabilities, is reachable as a tool (through /api/commands, the pipeline
 * every chat channel uses), a REST route, a CLI command and a /health section, and counts
 * on /metrics. Bad input is refused with a clear error on every surface.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withCapabilities } from '../../src/capabilities.js';
import { buildProgram } from '../../src/cli/main.js';
import { createTranslator } from '../../src/contracts/i18n.js';
import { exampleCapability } from '../support/example-capability/example-module.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const backend = testBackends()[0]!;

describe(`a capability added with one line (${backend.name})`, () => {
  let harness: TestApp;
  let client: ReturnType<typeof apiClient>;

  before(async () => {
    harness = await startTestApp(await backend.open(), { capabilities: withCapabilities([exampleCapability()]) });
    client = apiClient(harness.url, (await harness.createUser('viewer', `example-viewer-${Date.now()}`)).token);
  });
  after(async () => {
    await harness?.close();
    await harness?.database.close();
  });

  it('is a tool, a REST route, a CLI command and a /health entry', async () => {
    const tool = await client.post('/api/commands', { text: 'example echo hello' });
    assert.equal(tool.status, 200, JSON.stringify(tool.body));
    assert.equal(tool.body.tool, 'example_echo');
    assert.equal(tool.body.status, 'succeeded');
    assert.deepEqual(tool.body.result.data, { echo: 'hello' });

    const rest = await client.get('/api/example/echo?text=bonjour');
    assert.equal(rest.status, 200, JSON.stringify(rest.body));
    assert.deepEqual(rest.body, { echo: 'bonjour' });

    const lines: string[] = [];
    const program = buildProgram(createTranslator('en'), withCapabilities([exampleCapability({ write: (line) => lines.push(line) })]));
    program.exitOverride();
    await program.parseAsync(['node', 'vigie', 'example', 'echo', 'salut']);
    assert.deepEqual(lines, ['echo: salut']);

    const health = await client.get('/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body.example, { status: 'ok', echoes: 2 });
    assert.equal(health.body.network, undefined, 'modules without a health check add no section');

    const metrics = await apiClient(harness.url, harness.adminToken).get('/metrics');
    assert.match(metrics.text, /^vigie_example_echoes_total\{surface="tool"\} 1$/m);
    assert.match(metrics.text, /^vigie_example_echoes_total\{surface="rest"\} 1$/m);

    // Every module's `metrics` entry is registered on the app's one registry (src/core/metrics.ts).
    for (const module of harness.app.modules) {
      for (const metric of module.metrics ?? []) {
        const name = (metric as unknown as { name: string }).name;
        assert.equal(harness.app.metrics.getSingleMetric(name), metric, `${module.name}: ${name} on the app registry`);
      }
    }
    assert.deepEqual(
      harness.app.modules.map((module) => module.name),
      ['core', 'knowledge', 'network', 'dedup', 'qos', 'services', 'incidents', 'mcp', 'example'],
    );

    const catalog = await client.get('/api/commands');
    assert.ok(
      catalog.body.data.some((command: { name: string }) => command.name === 'example_echo'),
      'listed in the catalog',
    );
    const document = await client.get('/openapi.json');
    assert.equal(document.status, 200);
    assert.ok(document.body.paths['/api/example/echo'], 'documented in the OpenAPI document');
  });

  it('refuses bad input on every surface with a clear error', async () => {
    for (const text of ['a\u0000b', '\ud800', 'x'.repeat(5_000), '']) {
      // A lone surrogate cannot travel in a URL (it is not UTF-8); JSON bodies carry it.
      if (text !== '\ud800') {
        const rest = await client.get(`/api/example/echo?text=${encodeURIComponent(text)}`);
        assert.equal(rest.status, 400, `REST ${JSON.stringify(text.slice(0, 20))}: ${JSON.stringify(rest.body)}`);
        assert.equal(rest.body.error.code, 'validation_error');
      }
      const tool = await client.post('/api/commands', { tool: 'example_echo', args: { text } });
      assert.equal(tool.status, 400, `tool ${JSON.stringify(text.slice(0, 20))}: ${JSON.stringify(tool.body)}`);
    }
    const program = buildProgram(
      createTranslator('en'),
      withCapabilities([exampleCapability({ write: () => assert.fail('must not print') })]),
    );
    program.exitOverride();
    await assert.rejects(program.parseAsync(['node', 'vigie', 'example', 'echo', 'a\u0000b']), /flags|invalid|NUL|control/i);
  });
});
