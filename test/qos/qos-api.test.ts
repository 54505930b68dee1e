/**
 * /api/qos over real HTTP on every backend: validate and plan directly; apply and rollback
 * proposed to the execution pipeline, refused to viewers and to self-approval, applied for
 * real in a namespace once another operator approves, and recorded in qos_applications.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { withCapabilities } from '../../src/capabilities.js';
import { interfaceLockFor } from '../../src/tools/qos/qos-factory.js';
import { qosCapability } from '../../src/tools/qos/qos-module.js';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { createPrismaQosStore } from '../../src/tools/qos/qos-store.js';
import { qosToolset } from '../../src/tools/qos/qos-toolset.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { qosLabSkip, useQosLab } from './qos-lab.js';

const skip = qosLabSkip('QoS API tests');

async function settle(client: ReturnType<typeof apiClient>, id: string): Promise<{ status: string; result?: unknown; error?: unknown }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await client.get(`/api/executions/${id}`);
    if (['succeeded', 'failed', 'denied', 'expired', 'timed_out', 'cancelled'].includes(response.body.status) || Date.now() > deadline)
      return response.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of testBackends()) {
  describe(`QoS API on ${backend.name}`, { skip, timeout: 60_000 }, () => {
    const qos = useQosLab();
    let harness: TestApp;
    let engine: QosEngine;
    let viewer: ReturnType<typeof apiClient>;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;

    before(async () => {
      const database = await backend.open();
      engine = new QosEngine(qos.engineOptions({ store: createPrismaQosStore(database.prisma), lock: interfaceLockFor(database) }));
      harness = await startTestApp(database, {
        capabilities: withCapabilities([qosCapability({ engine })]),
        tools: { toolsets: [coreToolset(database), qosToolset(engine)] },
      });
      viewer = apiClient(harness.url, (await harness.createUser('viewer', `qos-viewer-${backend.name}`)).token);
      alice = apiClient(harness.url, (await harness.createUser('operator', `qos-alice-${backend.name}`)).token);
      bob = apiClient(harness.url, (await harness.createUser('operator', `qos-bob-${backend.name}`)).token);
    });
    after(async () => {
      engine?.close();
      await harness?.close();
      await harness?.database.close();
    });

    it('validates and plans an intent, with warnings, batch and diff', async () => {
      const validated = await viewer.post('/api/qos/validate', { intent: `garantir 20 Mbit/s pour la vidéo sur ${qos.lab.senderDevice}` });
      assert.equal(validated.status, 200);
      assert.equal(validated.body.diff, null);
      assert.match(validated.body.batch, /^qdisc add dev vq\w+ root handle 1: htb default 2\n/);
      const planned = await viewer.post('/api/qos/plan', { intent: `garantir 20 Mbit/s pour la vidéo sur ${qos.lab.senderDevice}` });
      assert.equal(planned.status, 200);
      assert.ok(planned.body.diff.added.includes('class 1:10 parent 1:1 rate 20 Mbit/s ceil 100 Mbit/s'));
      assert.match(planned.body.warnings.join('\n'), /fq_codel is not available/);
    });

    it('answers bad input with 400 and a precise message', async () => {
      const nonsense = await viewer.post('/api/qos/validate', { intent: 'make it fast' });
      assert.equal(nonsense.status, 400);
      assert.equal(nonsense.body.error.code, 'qos_intent_not_understood');
      assert.match(nonsense.body.error.message, /did not understand: "make", "it", "fast"/);
      const outside = await viewer.post('/api/qos/plan', { intent: 'limit ssh to 5 Mbit/s on eth0' });
      assert.equal(outside.status, 400);
      assert.match(outside.body.error.message, /eth0 is not in QOS_ALLOWED_INTERFACES/);
      assert.equal((await viewer.get('/api/qos/interfaces/eth0;reboot')).status, 400);
      assert.equal((await viewer.post('/api/qos/validate', { intent: 'x', extra: 1 })).status, 400);
    });

    it('proposes apply to the pipeline: viewers refused, self-approval refused, another operator applies it', async () => {
      const intent = `limit backups to 10 Mbit/s on ${qos.lab.senderDevice}`;
      assert.equal((await viewer.post('/api/qos/apply', { intent })).status, 403);
      const proposed = await alice.post('/api/qos/apply', { intent });
      assert.equal(proposed.status, 202);
      assert.equal(proposed.body.status, 'pending_approval');
      assert.equal((await qos.state()).classes.length, 0, 'nothing applied before approval');
      assert.equal((await alice.post(`/api/executions/${proposed.body.id}/approve`)).status, 403);
      assert.equal((await bob.post(`/api/executions/${proposed.body.id}/approve`)).status, 200);
      const done = await settle(alice, proposed.body.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      const live = await qos.state();
      assert.equal(live.classes.find((item) => item.id === '1:10')?.ceil, 10e6);
      const stored = await harness.database.prisma.qosApplication.findFirst({ where: { executionId: proposed.body.id } });
      assert.equal(stored?.status, 'applied');

      const shown = await viewer.get(`/api/qos/interfaces/${qos.lab.senderDevice}`);
      assert.equal(shown.status, 200);
      assert.ok(shown.body.state.classes.some((item: { id: string; statistics?: unknown }) => item.id === '1:10' && item.statistics));
      assert.equal(shown.body.applications[0].executionId, proposed.body.id);

      const rollback = await alice.post('/api/qos/rollback', { application: proposed.body.id });
      assert.equal(rollback.status, 202);
      await bob.post(`/api/executions/${rollback.body.id}/approve`);
      assert.equal((await settle(alice, rollback.body.id)).status, 'succeeded');
      assert.equal((await qos.state()).classes.length, 0);
      assert.equal(
        (await harness.database.prisma.qosApplication.findFirst({ where: { executionId: proposed.body.id } }))?.status,
        'rolled_back',
      );
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(metrics, /vigie_qos_operations_total\{operation="apply",outcome="applied"\} 1/);
      assert.match(metrics, /vigie_qos_operations_total\{operation="rollback",outcome="verified"\} 1/);
    });
  });
}
