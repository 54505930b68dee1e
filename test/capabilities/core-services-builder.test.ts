/**
 * The core is built once (issue #19): createApp serves the very services buildCoreServices
 * built and constructs none of its own; given toolsets replace the modules' toolsets; and the
 * builder's close drains what the core holds (an audit record reaches the audit search index).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BuiltCore } from '../../src/core/core-services-builder.js';
import type { Database } from '../../src/db/database.js';
import { createApp } from '../../src/server/app.js';
import { testOpsToolset } from '../agents/support/test-toolsets.js';
import { startTestCore } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const backend = testBackends()[0]!;

describe(`the core built once (${backend.name})`, () => {
  let database: Database;
  before(async () => {
    database = await backend.open();
  });
  after(async () => {
    await database?.close();
  });

  it('is what the app serves: same audit log, events, knowledge, pipeline, metrics and agent admission', async () => {
    const core = startTestCore(database);
    const app = createApp({ core });
    try {
      const services = core.services;
      assert.equal(core.ownToolsets, false);
      assert.equal(app.core, services);
      assert.equal(app.tools, services.tools);
      assert.equal(app.metrics, services.metrics);
      assert.equal(app.context.audit, services.audit);
      assert.equal(app.context.events, services.events);
      assert.equal(app.context.knowledge, services.knowledge);
      assert.equal(app.context.agentAdmission, services.agentAdmission);
      // Without given toolsets, the modules' toolsets join the core's pipeline.
      assert.ok(services.tools.registry.get('system_status'), 'the core module registers system_status');
    } finally {
      await app.close();
      await core.close();
    }
  });

  it('takes given toolsets in place of the modules’ toolsets', async () => {
    const calls = { restarts: [], wipes: [], slowStarted: 0 };
    const core = startTestCore(database, { tools: { toolsets: [testOpsToolset(calls)] } });
    const app = createApp({ core });
    try {
      assert.equal(core.ownToolsets, true);
      assert.ok(app.tools.registry.get('restart_service'));
      assert.equal(app.tools.registry.get('system_status'), undefined);
    } finally {
      await app.close();
      await core.close();
    }
  });

  it('drains the audit log into the audit search index on close, after the app', async () => {
    const core: BuiltCore = startTestCore(database);
    const app = createApp({ core });
    const marker = `builder-${Date.now().toString(36)}`;
    await core.services.audit.append({ action: 'test.core_builder', arguments: { marker } });
    await app.close();
    await core.close();
    const rows = await database.sql.query<{ count: string }>('SELECT count(*) AS count FROM audit_event_index WHERE text LIKE $1', [
      `%marker ${marker}%`,
    ]);
    assert.equal(Number(rows[0]?.count), 1);
  });
});
