/**
 * Every production tool declares an output schema, and what the tools really return matches
 * it: the full registry of the real app is walked; each tool's realistic result (the shared
 * view fixtures) is checked against its schema; and every tool that can run here without
 * outside systems is run for real through the pipeline (REST /api/commands) and its stored
 * result checked. The pipeline itself logs a mismatch in test mode (tool-output-check.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { outputMismatch } from '../../src/tools/pipeline/tool-output-check.js';
import { createToolsets } from '../support/production-toolsets.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { toolFixtures } from '../support/view-fixtures.js';

/** Commands that run a tool for real here (no network targets, tc or dedup store needed). */
const REAL_RUNS: Array<{ tool: string; text?: string; args?: Record<string, unknown> }> = [
  { tool: 'system_status', args: {} },
  { tool: 'audit_trail', args: { limit: 5 } },
  { tool: 'knowledge_search', args: { query: 'core router failover' } },
  { tool: 'service_draft', args: { text: 'Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement' } },
  { tool: 'service_search', args: { q: 'plombier', near: 'Douala' } },
  { tool: 'net_interfaces', args: {} },
  { tool: 'qos_plan', args: { intent: 'limiter le trafic web à 20 Mbit/s sur lo' } },
];

const backend = testBackends()[0]!;

describe('tool output schemas', { timeout: 120_000 }, () => {
  let harness: TestApp;
  let admin: ReturnType<typeof apiClient>;

  before(async () => {
    const database = await backend.open();
    const config = loadConfig({ DATA_DIR: `/tmp/vigie-h19p-outputs-${process.pid}` });
    // The production toolsets, as main.ts builds them.
    const production = createToolsets({
      config,
      database,
      logger: pino({ level: 'silent' }),
      audit: new AuditLog(database.sql),
      events: new DomainEvents(),
    });
    harness = await startTestApp(database, { tools: { toolsets: production } });
    await harness.app.tools.start();
    admin = apiClient(harness.url, harness.adminToken);
  });
  after(async () => {
    await harness.close();
    await harness.database.close();
  });

  it('every production tool declares an output schema that says something', () => {
    const tools = harness.app.tools.registry.list().filter(({ tool }) => !tool.untrustedOutput);
    assert.ok(tools.length >= 18, `the production registry has its tools (${tools.length})`);
    for (const { tool } of tools) {
      assert.ok(tool.outputSchema, `${tool.name} declares an outputSchema`);
      assert.equal(tool.outputSchema.safeParse(undefined).success, false, `${tool.name}: its schema refuses a missing result`);
    }
  });

  it('the realistic result of every tool matches its schema, and a wrong one does not', () => {
    const registry = harness.app.tools.registry;
    let checked = 0;
    for (const fixture of toolFixtures()) {
      const entry = registry.get(fixture.tool);
      if (!entry) continue;
      assert.equal(outputMismatch(entry.tool, fixture.result), null, `${fixture.tool}: ${outputMismatch(entry.tool, fixture.result)}`);
      checked += 1;
    }
    assert.ok(checked >= 12, `fixtures checked: ${checked}`);
    const status = registry.get('system_status')!.tool;
    assert.match(outputMismatch(status, { status: 'success', data: { version: 1 } }) ?? '', /version|uptimeSeconds/);
    assert.equal(outputMismatch(status, { status: 'error', error: { code: 'x', message: 'y' } }), null, 'only successes are checked');
  });

  it('real runs through the pipeline match their schemas', async () => {
    const indexed = await admin.post('/api/documents', {
      title: 'Core router failover',
      content: '# Failover\nTo fail over the core router, drain BGP on r1.',
      contentType: 'text/markdown',
    });
    assert.equal(indexed.status, 201, indexed.text);
    const registry = harness.app.tools.registry;
    const validated: string[] = [];
    for (const run of REAL_RUNS) {
      const entry = registry.get(run.tool);
      assert.ok(entry, `${run.tool} is registered`);
      if (registry.unavailableReason(run.tool)) continue;
      const response = await admin.post('/api/commands', { tool: run.tool, args: run.args ?? {} });
      assert.ok([200, 202].includes(response.status), `${run.tool}: ${response.status} ${response.text}`);
      if (response.body.result?.status !== 'success') continue;
      assert.equal(
        outputMismatch(entry.tool, response.body.result),
        null,
        `${run.tool}: ${outputMismatch(entry.tool, response.body.result)}`,
      );
      validated.push(run.tool);
    }
    assert.ok(
      validated.includes('system_status') && validated.includes('audit_trail') && validated.includes('knowledge_search'),
      `validated: ${validated.join(', ')}`,
    );
  });
});
