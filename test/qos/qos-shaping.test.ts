/**
 * Measured shaping with iperf3 between two namespaces (2-3 s runs): a class limited to R
 * carries R within ±15 %, and a guaranteed class keeps its floor while bulk traffic
 * saturates the link. Skips without root or iperf3.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { NetnsLab } from './netns-lab.js';
import { qosLabSkip, useQosLab } from './qos-lab.js';

const skip = qosLabSkip('QoS shaping measurements', { iperf3: true });

function client(lab: NetnsLab, port: number, seconds: number, streams = 1): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        lab.sender,
        'iperf3',
        '-c',
        lab.receiverAddress,
        '-p',
        String(port),
        '-t',
        String(seconds),
        '-P',
        String(streams),
        '-J',
        '--connect-timeout',
        '2000',
      ],
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

describe('QoS shaping measured with iperf3', { skip, timeout: 60_000 }, () => {
  const qos = useQosLab();
  const servers: ChildProcess[] = [];

  before(async () => {
    const lab = qos.lab;
    for (const port of [5201, 5202])
      servers.push(
        spawn('ip', ['netns', 'exec', lab.receiver, 'iperf3', '-s', '-p', String(port), '-B', lab.receiverAddress], { stdio: 'ignore' }),
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  after(() => {
    for (const server of servers) server.kill('SIGKILL');
  });

  it('holds a 20 Mbit/s limit within ±15 %', async (t) => {
    const result = await qos.engine.apply({ intent: `limit tcp port 5201 to 20 Mbit/s on ${qos.lab.senderDevice} on a 1 Gbit link` });
    const measured = await client(qos.lab, 5201, 3);
    t.diagnostic(`limited class: ${(measured / 1e6).toFixed(1)} Mbit/s`);
    await qos.engine.rollback(result.application.id);
    assert.ok(measured > 20e6 * 0.85 && measured < 20e6 * 1.15, `measured ${(measured / 1e6).toFixed(1)} Mbit/s for a 20 Mbit/s limit`);
  });

  it('keeps a 30 Mbit/s guarantee while bulk traffic saturates a 50 Mbit/s link', async (t) => {
    const result = await qos.engine.apply({
      intent: `garantir 30 Mbit/s pour le port 5201 sur ${qos.lab.senderDevice} sur un lien de 50 Mbit/s`,
    });
    const [guaranteed, bulk] = await Promise.all([client(qos.lab, 5201, 3), client(qos.lab, 5202, 3, 4)]);
    t.diagnostic(`guaranteed class: ${(guaranteed / 1e6).toFixed(1)} Mbit/s, bulk: ${(bulk / 1e6).toFixed(1)} Mbit/s`);
    await qos.engine.rollback(result.application.id);
    assert.ok(guaranteed >= 30e6 * 0.85, `guaranteed class got ${(guaranteed / 1e6).toFixed(1)} Mbit/s under contention`);
    assert.ok(
      guaranteed + bulk <= 50e6 * 1.15,
      `the link carried ${((guaranteed + bulk) / 1e6).toFixed(1)} Mbit/s, above its 50 Mbit/s shape`,
    );
    assert.ok(bulk > 1e6, 'bulk traffic really ran');
  });
});
