/**
 * Every production tool is model-ready: the full registry, built as main.ts builds it, is
 * offered to a model for every role through the same JSON-schema conversion the providers
 * use (LangChain's convertToOpenAITool over the agent's tools). One transform in one schema
 * used to make every operator and admin turn fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { modelToolDefinitions } from '../../src/agents/langchain-tools.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { ROLES } from '../../src/auth/roles.js';
import { createToolsets } from '../support/production-toolsets.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { testBackends } from '../support/test-databases.js';

const [backend] = testBackends();

describe('model-ready tools', () => {
  let database: Database;
  let registry: ToolRegistry;
  before(async () => {
    database = await backend!.open();
    const config = loadConfig({ DATA_DIR: `/tmp/vigie-h16-model-ready-${process.pid}` });
    registry = new ToolRegistry(
      createToolsets({
        config,
        database,
        logger: pino({ level: 'silent' }),
        audit: new AuditLog(database.sql),
        events: new DomainEvents(),
      }),
    );
  });
  after(async () => {
    await database.close();
  });

  for (const role of ROLES) {
    it(`converts every tool offered to a ${role} (the full production registry)`, () => {
      const definitions = modelToolDefinitions(registry, role, { includeUnavailable: true });
      assert.ok(definitions.length > 0);
      for (const definition of definitions) {
        assert.equal(definition.type, 'function');
        const parameters = definition.function.parameters as { type?: string };
        assert.equal(parameters.type, 'object', `${definition.function.name} converts to an object schema`);
        assert.doesNotThrow(() => JSON.stringify(definition));
      }
      const names = definitions.map((definition) => definition.function.name);
      if (role !== 'viewer')
        for (const name of ['net_check', 'net_snmp_poll', 'dedup_ingest']) assert.ok(names.includes(name), `${role} is offered ${name}`);
    });
  }

  it('converts each tool schema on its own, so a failure names the tool', () => {
    const failures: string[] = [];
    for (const { tool } of registry.list()) {
      try {
        modelToolDefinitions(
          new ToolRegistry([{ name: 'one', description: '', tools: [tool], checkPrerequisites: async () => ({ ok: true }) }]),
          'admin',
          { includeUnavailable: true },
        );
      } catch (error) {
        failures.push(`${tool.name}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
