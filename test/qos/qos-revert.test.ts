/**
 * Real tc in network namespaces, over time: confirm-or-revert reverts (also after a
 * restart), concurrent applies on one interface are serialised, ingress goes through IFB.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { canonicalState } from '../../src/tools/qos/tc-state.js';
import { qosLabSkip, useQosLab } from './qos-lab.js';
import { templatePolicy } from './qos-templates.js';

const skip = qosLabSkip('QoS namespace tests');

describe('QoS confirm-or-revert, serialisation and ingress in a namespace', { skip, timeout: 120_000 }, () => {
  const qos = useQosLab();

  it('reverts automatically when a confirm-or-revert apply is not confirmed, and keeps a confirmed one', async () => {
    const before = canonicalState(await qos.state());
    const pending = await qos.engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 1 });
    assert.equal(pending.application.status, 'pending_confirmation');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && canonicalState(await qos.state()) !== before) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(canonicalState(await qos.state()), before);
    const kept = await qos.engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 1 });
    await qos.engine.confirm(kept.application.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.notEqual(canonicalState(await qos.state()), before);
    await qos.engine.rollback(kept.application.id);
  });

  it('re-arms confirm-or-revert after a restart and reverts a change whose deadline passed', async () => {
    const store = createMemoryQosStore();
    const options = qos.engineOptions({ store });
    const before = canonicalState(await qos.state());
    const first = new QosEngine(options);
    const pending = await first.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 600 });
    first.close(); // the process "stops": its timer is gone
    await store.update(pending.application.id, { confirmDeadline: new Date(Date.now() - 1_000) });
    const restarted = new QosEngine(options);
    assert.equal(await restarted.resumePendingReverts(), 1);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await store.find(pending.application.id))?.status !== 'rolled_back')
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await store.find(pending.application.id))?.status, 'rolled_back');
    assert.equal(canonicalState(await qos.state()), before);
    restarted.close();
  });

  it('serialises concurrent applies on one interface', async () => {
    const results = await Promise.all(
      [5, 6, 7].map((rate) => qos.engine.apply({ intent: `limit ssh to ${rate} Mbit/s on ${qos.lab.senderDevice}` })),
    );
    assert.deepEqual(
      results.map((result) => result.application.status),
      ['applied', 'applied', 'applied'],
    );
    const live = await qos.state();
    assert.equal(live.classes.find((item) => item.id === '1:10')?.ceil, 7e6);
    for (const result of results.reverse()) await qos.engine.rollback(result.application.id);
    assert.equal((await qos.state()).classes.length, 0);
  });

  it('applies ingress shaping through an IFB device and mirred, and rolls it back', async () => {
    const ingressDevice = `vqi${qos.lab.sender.slice(3)}`;
    const result = await qos.engine.apply({
      policy: { ...templatePolicy(qos.lab.senderDevice, 'limit'), direction: 'ingress', ingressDevice },
    });
    const ingress = await qos.state();
    assert.ok(
      ingress.filters.some((filter) => filter.actions.some((action) => action.kind === 'mirred' && action.to_dev === ingressDevice)),
    );
    assert.ok((await qos.state(ingressDevice)).classes.length > 0);
    await qos.engine.rollback(result.application.id);
    assert.equal(
      (await qos.state()).qdiscs.some((qdisc) => qdisc.parent === 'ingress'),
      false,
    );
  });
});
