/**
 * Real tc in network namespaces, over time: confirm-or-revert reverts (also after a
 * restart), concurrent applies on one interface are serialised, ingress goes through IFB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { probeKernelCapabilities, type KernelCapabilities } from '../../src/tools/qos/capabilities.js';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { createCommandRunner, type RunnerStatistics } from '../../src/tools/qos/tc-runner.js';
import { canonicalState, readLiveState } from '../../src/tools/qos/tc-state.js';
import { createLab, labUnavailableReason, type NetnsLab } from './netns-lab.js';
import { templatePolicy } from './qos-templates.js';

const skip = labUnavailableReason();
if (skip) console.log(`# skipping QoS namespace tests: ${skip}`);

describe('QoS confirm-or-revert, serialisation and ingress in a namespace', { skip: skip ?? false, timeout: 120_000 }, () => {
  let lab: NetnsLab;
  let capabilities: KernelCapabilities;
  let statistics: RunnerStatistics;
  let engine: QosEngine;
  const runner = () => createCommandRunner({ namespace: lab.sender, statistics });

  before(async () => {
    lab = createLab();
    capabilities = await probeKernelCapabilities();
    statistics = { processes: 0 };
    engine = new QosEngine({ runner: runner(), store: createMemoryQosStore(), guardrails: { allowedInterfaces: [lab.senderDevice, 'vqnothere0'], allowDefaultRouteInterface: false }, capabilities: async () => capabilities, defaultLinkRate: 100e6 });
  });
  after(() => {
    engine?.close();
    lab?.close();
  });

  it('reverts automatically when a confirm-or-revert apply is not confirmed, and keeps a confirmed one', async () => {
    const before = canonicalState(await readLiveState(runner(), lab.senderDevice));
    const pending = await engine.apply({ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice}` }, { confirmWithinSeconds: 1 });
    assert.equal(pending.application.status, 'pending_confirmation');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && canonicalState(await readLiveState(runner(), lab.senderDevice)) !== before) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(canonicalState(await readLiveState(runner(), lab.senderDevice)), before);
    const kept = await engine.apply({ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice}` }, { confirmWithinSeconds: 1 });
    await engine.confirm(kept.application.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.notEqual(canonicalState(await readLiveState(runner(), lab.senderDevice)), before);
    await engine.rollback(kept.application.id);
  });

  it('re-arms confirm-or-revert after a restart and reverts a change whose deadline passed', async () => {
    const store = createMemoryQosStore();
    const options = { runner: runner(), store, guardrails: { allowedInterfaces: [lab.senderDevice], allowDefaultRouteInterface: false }, capabilities: async () => capabilities };
    const before = canonicalState(await readLiveState(runner(), lab.senderDevice));
    const first = new QosEngine(options);
    const pending = await first.apply({ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice}` }, { confirmWithinSeconds: 600 });
    first.close(); // the process "stops": its timer is gone
    await store.update(pending.application.id, { confirmDeadline: new Date(Date.now() - 1_000) });
    const restarted = new QosEngine(options);
    assert.equal(await restarted.resumePendingReverts(), 1);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await store.find(pending.application.id))?.status !== 'rolled_back') await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await store.find(pending.application.id))?.status, 'rolled_back');
    assert.equal(canonicalState(await readLiveState(runner(), lab.senderDevice)), before);
    restarted.close();
  });

  it('serialises concurrent applies on one interface', async () => {
    const results = await Promise.all([5, 6, 7].map((rate) => engine.apply({ intent: `limit ssh to ${rate} Mbit/s on ${lab.senderDevice}` })));
    assert.deepEqual(results.map((result) => result.application.status), ['applied', 'applied', 'applied']);
    const live = await readLiveState(runner(), lab.senderDevice);
    assert.equal(live.classes.find((item) => item.id === '1:10')?.ceil, 7e6);
    for (const result of results.reverse()) await engine.rollback(result.application.id);
    assert.equal((await readLiveState(runner(), lab.senderDevice)).classes.length, 0);
  });

  it('applies ingress shaping through an IFB device and mirred, and rolls it back', async () => {
    const ingressDevice = `vqi${lab.sender.slice(3)}`;
    const result = await engine.apply({ policy: { ...templatePolicy(lab.senderDevice, 'limit'), direction: 'ingress', ingressDevice } });
    const ingress = await readLiveState(runner(), lab.senderDevice);
    assert.ok(ingress.filters.some((filter) => filter.actions.some((action) => action.kind === 'mirred' && action.to_dev === ingressDevice)));
    assert.ok((await readLiveState(runner(), ingressDevice)).classes.length > 0);
    await engine.rollback(result.application.id);
    assert.equal((await readLiveState(runner(), lab.senderDevice)).qdiscs.some((qdisc) => qdisc.parent === 'ingress'), false);
  });

});
