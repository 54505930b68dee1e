/**
 * Measured shaping with iperf3 between two namespaces (2-3 s runs): a class limited to R
 * carries R within ±15 %, and a guaranteed class keeps its floor while bulk traffic
 * saturates the link. Skips without root or iperf3.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { probeKernelCapabilities } from '../../src/tools/qos/capabilities.js';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { createCommandRunner } from '../../src/tools/qos/tc-runner.js';
import { createLab, hasIperf3, labUnavailableReason, type NetnsLab } from './netns-lab.js';

const skip = labUnavailableReason() ?? (hasIperf3() ? null : 'iperf3 is not installed (apt-get install iperf3)');
if (skip) console.log(`# skipping QoS shaping measurements: ${skip}`);

function client(lab: NetnsLab, port: number, seconds: number, streams = 1): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', lab.sender, 'iperf3', '-c', lab.receiverAddress, '-p', String(port), '-t', String(seconds), '-P', String(streams), '-J', '--connect-timeout', '2000'],
      { timeout: (seconds + 10) * 1000 },
      (error, stdout) => {
        try {
          const report = JSON.parse(String(stdout)) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
          if (report.end?.sum_received) resolve(report.end.sum_received.bits_per_second);
          else reject(new Error(report.error ?? String(error)));
        } catch {
          reject(error ?? new Error('iperf3 printed no JSON'));
        }
      },
    );
  });
}

describe('QoS shaping measured with iperf3', { skip: skip ?? false, timeout: 60_000 }, () => {
  let lab: NetnsLab;
  let engine: QosEngine;
  const servers: ChildProcess[] = [];

  before(async () => {
    lab = createLab();
    const capabilities = await probeKernelCapabilities();
    engine = new QosEngine({ runner: createCommandRunner({ namespace: lab.sender }), store: createMemoryQosStore(), guardrails: { allowedInterfaces: [lab.senderDevice], allowDefaultRouteInterface: false }, capabilities: async () => capabilities });
    for (const port of [5201, 5202]) servers.push(spawn('ip', ['netns', 'exec', lab.receiver, 'iperf3', '-s', '-p', String(port), '-B', lab.receiverAddress], { stdio: 'ignore' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  after(() => {
    for (const server of servers) server.kill('SIGKILL');
    engine?.close();
    lab?.close();
  });

  it('holds a 20 Mbit/s limit within ±15 %', async (t) => {
    const result = await engine.apply({ intent: `limit tcp port 5201 to 20 Mbit/s on ${lab.senderDevice} on a 1 Gbit link` });
    const measured = await client(lab, 5201, 3);
    t.diagnostic(`limited class: ${(measured / 1e6).toFixed(1)} Mbit/s`);
    await engine.rollback(result.application.id);
    assert.ok(measured > 20e6 * 0.85 && measured < 20e6 * 1.15, `measured ${(measured / 1e6).toFixed(1)} Mbit/s for a 20 Mbit/s limit`);
  });

  it('keeps a 30 Mbit/s guarantee while bulk traffic saturates a 50 Mbit/s link', async (t) => {
    const result = await engine.apply({ intent: `garantir 30 Mbit/s pour le port 5201 sur ${lab.senderDevice} sur un lien de 50 Mbit/s` });
    const [guaranteed, bulk] = await Promise.all([client(lab, 5201, 3), client(lab, 5202, 3, 4)]);
    t.diagnostic(`guaranteed class: ${(guaranteed / 1e6).toFixed(1)} Mbit/s, bulk: ${(bulk / 1e6).toFixed(1)} Mbit/s`);
    await engine.rollback(result.application.id);
    assert.ok(guaranteed >= 30e6 * 0.85, `guaranteed class got ${(guaranteed / 1e6).toFixed(1)} Mbit/s under contention`);
    assert.ok(guaranteed + bulk <= 50e6 * 1.15, `the link carried ${((guaranteed + bulk) / 1e6).toFixed(1)} Mbit/s, above its 50 Mbit/s shape`);
    assert.ok(bulk > 1e6, 'bulk traffic really ran');
  });
});
