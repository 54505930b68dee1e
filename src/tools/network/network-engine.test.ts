/**
 * Unit tests of the network engine's pure parts: output parsers (real iputils output),
 * counter rates with wraps and resets, the anomaly detector on synthetic series, port
 * expansion and the probe limiter's bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectAnomalies } from './anomaly-detector.js';
import { parseFpingOutput } from './fping-sweep.js';
import { interfaceRates } from './interface-rates.js';
import { analysisRequestSchema, expandPorts } from './network-schemas.js';
import { parseTracepath } from './path-check.js';
import { parsePingOutput } from './ping-check.js';
import { ProbeLimiter } from './probe-limiter.js';
import type { DevicePoll, InterfaceSample } from './snmp-poller.js';
import { SnmpMonitor } from './snmp-monitor.js';

const PING_OUTPUT = `PING 198.18.217.10 (198.18.217.10) 56(84) bytes of data.
64 bytes from 198.18.217.10: icmp_seq=2 ttl=62 time=85.5 ms
64 bytes from 198.18.217.10: icmp_seq=3 ttl=62 time=82.1 ms
64 bytes from 198.18.217.10: icmp_seq=4 ttl=62 time=81.2 ms
64 bytes from 198.18.217.10: icmp_seq=5 ttl=62 time=80.3 ms

--- 198.18.217.10 ping statistics ---
5 packets transmitted, 4 received, 20% packet loss, time 466ms
rtt min/avg/max/mdev = 80.300/82.275/85.500/2.880 ms, pipe 2
`;

const TRACEPATH_OUTPUT = ` 1?: [LOCALHOST]                      pmtu 1500
 1:  198.18.217.2                                          0.301ms 
 1:  198.18.217.2                                          0.019ms 
 2:  198.18.217.2                                          5.033ms pmtu 1400
 2:  198.18.217.6                                         83.790ms 
 3:  no reply
 4:  198.18.217.10                                        75.951ms reached
     Resume: pmtu 1400 hops 4 back 3 
`;

function sample(overrides: Partial<InterfaceSample>): InterfaceSample {
  return {
    index: 2,
    name: 'eth0',
    description: 'eth0',
    alias: '',
    operStatus: 1,
    speedBitsPerSecond: 1_000_000_000,
    inOctets: 0n,
    outOctets: 0n,
    highCapacity: true,
    inErrors: 0,
    outErrors: 0,
    inDiscards: 0,
    outDiscards: 0,
    inUnicastPackets: 0,
    outUnicastPackets: 0,
    ...overrides,
  };
}

describe('network engine', () => {
  it('parses ping output into loss, latency and jitter', () => {
    const result = parsePingOutput('198.18.217.10', PING_OUTPUT);
    assert.equal(result.sent, 5);
    assert.equal(result.received, 4);
    assert.equal(result.lossPercent, 20);
    assert.deepEqual(result.samplesMs, [85.5, 82.1, 81.2, 80.3]);
    assert.equal(result.rttMs?.min, 80.3);
    assert.equal(result.rttMs?.avg, 82.275);
    assert.equal(result.rttMs?.jitter, Number(((3.4 + 0.9 + 0.9) / 3).toFixed(3)));
    const silent = parsePingOutput('198.18.217.9', '--- x ---\n3 packets transmitted, 0 received, 100% packet loss, time 2000ms\n');
    assert.equal(silent.lossPercent, 100);
    assert.equal(silent.rttMs, null);
  });

  it('parses fping -C output per host, lost probes included', () => {
    const output = '198.18.1.1 : 10.1 - 10.3 10.2\n198.18.1.2 : - - - -\n';
    const [up, down, missing] = parseFpingOutput(['198.18.1.1', '198.18.1.2', '198.18.1.3'], output, 4);
    assert.equal(up!.lossPercent, 25);
    assert.equal(up!.rttMs?.avg, 10.2);
    assert.equal(down!.lossPercent, 100);
    assert.equal(down!.rttMs, null);
    assert.equal(missing!.received, 0);
  });

  it('parses tracepath, ignoring pmtu notices, and finds the slow hop', () => {
    const result = parseTracepath('198.18.217.10', TRACEPATH_OUTPUT);
    assert.equal(result.reached, true);
    assert.equal(result.pathMtu, 1400);
    assert.deepEqual(
      result.hops.map((hop) => hop.address),
      ['198.18.217.2', '198.18.217.6', null, '198.18.217.10'],
    );
    assert.equal(result.hops[0]!.latencyMs, 0.019);
    assert.equal(result.slowestHop?.hop, 2);
    assert.equal(result.slowestHop?.addedMs, 83.771);
  });

  it('computes utilisation and error rates, across a 32-bit wrap and a 64-bit reset', () => {
    const before = sample({ inOctets: 1_000n, outOctets: 0n, inErrors: 5, inUnicastPackets: 100, outUnicastPackets: 100 });
    const after = sample({
      inOctets: 1_000n + 125_000_000n,
      outOctets: 62_500_000n,
      inErrors: 15,
      inUnicastPackets: 1_090,
      outUnicastPackets: 100,
    });
    const rates = interfaceRates(before, after, 10);
    assert.equal(rates.inBitsPerSecond, 100_000_000);
    assert.equal(rates.outBitsPerSecond, 50_000_000);
    assert.equal(rates.utilisation, 0.1);
    assert.equal(rates.inErrorsPerSecond, 1);
    assert.equal(rates.errorRatio, 10 / 1000);
    const wrapped = interfaceRates(
      sample({ highCapacity: false, inOctets: 2n ** 32n - 1000n }),
      sample({ highCapacity: false, inOctets: 3000n }),
      1,
    );
    assert.equal(wrapped.inBitsPerSecond, 4000 * 8);
    const reset = interfaceRates(sample({ inOctets: 10_000n }), sample({ inOctets: 500n }), 1);
    assert.equal(reset.counterReset, true);
  });

  it('flags an injected error burst and a traffic drop, and nothing on normal noise', () => {
    const noise = [2, 3, 2, 4, 3, 2, 3, 2, 4, 3, 2, 3, 3, 2, 4, 2, 3];
    assert.deepEqual(detectAnomalies(noise), []);
    const burst = detectAnomalies([...noise, 60, 3, 2]);
    assert.equal(burst.length, 1);
    assert.equal(burst[0]!.index, noise.length);
    assert.equal(burst[0]!.kind, 'burst');
    assert.ok(burst[0]!.score > 3.5);
    const traffic = [100, 104, 98, 101, 99, 103, 97, 100, 102, 99, 101, 5];
    const drop = detectAnomalies(traffic);
    assert.equal(drop.at(-1)?.kind, 'drop');
    assert.equal(drop.at(-1)?.index, traffic.length - 1);
    const saturation = detectAnomalies([0.2, 0.3, 0.95], { saturationAt: 0.9 });
    assert.equal(saturation[0]?.kind, 'saturation');
  });

  it('flags an injected error burst in polled SNMP counters as an anomaly finding', () => {
    const noise = [2, 3, 2, 4, 3, 2, 3, 2, 4, 3, 2, 3, 3, 2];
    const build = (increments: number[]): DevicePoll[][] => {
      let errors = 0;
      let packets = 0;
      let octets = 0n;
      return [0, ...increments].map((increment, round) => {
        errors += increment;
        packets += 100_000;
        octets += 50_000_000n;
        return [
          {
            address: '10.0.0.1',
            takenAt: round * 60_000,
            durationMs: 5,
            interfaces: [sample({ inErrors: errors, inUnicastPackets: packets, inOctets: octets })],
          },
        ];
      });
    };
    const calm = new SnmpMonitor().analysePolls(['10.0.0.1'], build(noise));
    assert.deepEqual(
      calm.findings.filter((finding) => /burst/i.test(finding.title)),
      [],
    );
    const burst = new SnmpMonitor().analysePolls(['10.0.0.1'], build([...noise, 600]));
    const flagged = burst.findings.find((finding) => finding.title === 'Error burst on 10.0.0.1 eth0');
    assert.ok(flagged, JSON.stringify(burst.findings));
    assert.match(flagged.evidence, /^10 errors\/s against a baseline of 0\.0\d .*robust z \d+/);
    assert.equal(burst.devices[0]!.rates[0]!.inErrorsPerSecond, 10);
  });

  it('expands port lists and refuses huge ranges and junk', () => {
    assert.deepEqual(expandPorts('22,443,8000-8002'), [22, 443, 8000, 8001, 8002]);
    assert.equal(analysisRequestSchema.safeParse({ targets: '10.0.0.1', options: { ports: '1-65535' } }).success, false);
    assert.equal(analysisRequestSchema.safeParse({ targets: '10.0.0.1', options: { ports: '22;rm -rf /' } }).success, false);
    assert.equal(analysisRequestSchema.safeParse({ targets: '10.0.0.1', options: { ports: [70000] } }).success, false);
    assert.equal(analysisRequestSchema.safeParse({ targets: '10.0.0.1', checks: ['ping', 'exec'] }).success, false);
    const parsed = analysisRequestSchema.parse({ targets: '10.0.0.1, 10.0.0.2', checks: 'ping,tcp', options: { ports: '22,443' } });
    assert.deepEqual(parsed.targets, ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(parsed.options.ports, [22, 443]);
  });

  it('never runs more than the limit at once', async () => {
    const limiter = new ProbeLimiter(3);
    let active = 0;
    let seen = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          active += 1;
          seen = Math.max(seen, active);
          await new Promise((resolve) => setTimeout(resolve, 2));
          active -= 1;
        }),
      ),
    );
    assert.equal(seen, 3);
    assert.equal(limiter.peak, 3);
  });
});
