/**
 * Result fixtures of the network and QoS tools (net_check, net_interfaces, net_snmp_poll,
 * qos_plan, qos_show), split from view-fixtures.ts; `s` splices hostile text into free-text fields.
 */
import { createTranslator, type Translator } from '../../src/contracts/i18n.js';
import { makeFinding, type Severity } from '../../src/tools/network/analysis-report.js';
import type { FindingCode, FindingParams } from '../../src/tools/network/finding-text.js';
import { interfacesView, networkReportView, snmpView } from '../../src/tools/network/network-views.js';
import { qosPlanView, qosShowView, type PlanSummary } from '../../src/tools/qos/qos-views.js';
import type { FixtureSource } from './view-fixtures-data.js';

const ping = (address: string, samples: Array<number | null>) => {
  const got = samples.filter((sample): sample is number => sample !== null);
  const avg = got.length ? got.reduce((a, b) => a + b, 0) / got.length : 0;
  return {
    address,
    sent: samples.length,
    received: got.length,
    lossPercent: Math.round(((samples.length - got.length) / samples.length) * 100),
    rttMs: got.length ? { min: Math.min(...got), avg, median: avg, max: Math.max(...got), jitter: 1.2 } : null,
    samplesMs: got,
  };
};

/** A finding as the network engine makes it: code and raw params, plus its English sentences. */
const finding = (target: string, severity: Severity, check: string, code: FindingCode, params: FindingParams) =>
  makeFinding(target, { severity, check, code, params }, createTranslator('en'));

/** The plan qos_plan returns for "limiter le trafic web à 20 Mbit/s sur nc0". */
export function samplePlan(text = 'limiter le trafic web à 20 Mbit/s sur nc0'): PlanSummary {
  return {
    interface: 'nc0',
    direction: 'egress',
    device: 'nc0',
    clauses: [{ text, action: 'limit', application: 'web', template: 'web', rate: 20_000_000, ceil: 20_000_000 }],
    interpretedBy: 'parser',
    warnings: ['kernel capabilities were not probed: assuming the minimum'],
    diff: {
      removed: ['qdisc noqueue root'],
      added: [
        'qdisc htb 1: root default 1:99',
        'class 1:1 parent 1: rate 1Gbit ceil 1Gbit',
        'class 1:10 parent 1:1 rate 20Mbit ceil 20Mbit',
        'class 1:99 parent 1:1 rate 980Mbit ceil 1Gbit',
        'filter parent 1: prio 10 u32 -> 1:10',
      ],
      unchanged: 0,
    },
    commands: 6,
    batch:
      'qdisc replace dev nc0 root handle 1: htb default 99 r2q 10\nclass replace dev nc0 parent 1: classid 1:1 htb rate 1000mbit ceil 1000mbit\nclass replace dev nc0 parent 1:1 classid 1:10 htb rate 20mbit ceil 20mbit prio 1\nclass replace dev nc0 parent 1:1 classid 1:99 htb rate 980mbit ceil 1000mbit prio 7\nfilter replace dev nc0 parent 1: protocol ip prio 10 u32 match ip dport 443 0xffff flowid 1:10\nfilter replace dev nc0 parent 1: protocol ip prio 11 u32 match ip dport 80 0xffff flowid 1:10',
    preparation: [],
    capabilities: { source: 'assumed' } as never,
    policy: {
      interface: 'nc0',
      direction: 'egress',
      linkRate: 1_000_000_000,
      root: { kind: 'htb', handle: '1:', defaultClass: '1:99' },
      classes: [
        { id: '1:1', parent: '1:', name: 'root', rate: 1_000_000_000, ceil: 1_000_000_000 },
        { id: '1:10', parent: '1:1', name: 'web', rate: 20_000_000, ceil: 20_000_000, priority: 1 },
        { id: '1:99', parent: '1:1', name: 'default', rate: 980_000_000, ceil: 1_000_000_000, priority: 7 },
      ],
      filters: [],
    } as never,
  } as PlanSummary;
}

/** The network and QoS fixtures. */
export function networkFixtures(s: (value: string) => string, i18n: Translator): FixtureSource[] {
  return [
    {
      tool: 'net_check',
      args: { targets: '198.18.23.1,198.18.23.2', ports: '22,443' },
      result: {
        status: 'success',
        data: {
          reportId: 'r-1',
          summary: s('1 critical, 1 warning finding(s) on 2 target(s). Worst: 198.18.23.2 does not answer ICMP'),
          durationMs: 2140,
          findings: [
            finding(s('198.18.23.2'), 'critical', 'ping', 'ping.unreachable', {
              target: s('198.18.23.2'),
              address: '198.18.23.2',
              sent: 5,
              error: null,
            }),
            finding(s('198.18.23.1'), 'warning', 'tcp', 'tcp.closed', {
              target: s('198.18.23.1'),
              address: '198.18.23.1',
              port: 443,
              connectMs: 0.3,
            }),
            finding(s('198.18.23.1'), 'ok', 'ping', 'ping.ok', {
              target: s('198.18.23.1'),
              address: '198.18.23.1',
              sent: 5,
              lossPercent: 0,
              avgMs: 1.78,
              jitterMs: 1.2,
              minMs: 1.1,
              maxMs: 3.9,
            }),
          ],
          measurements: [
            {
              target: s('198.18.23.1'),
              address: '198.18.23.1',
              resolveMs: 0,
              ping: ping('198.18.23.1', [1.2, 1.4, 3.9, 1.1, 1.3]),
              tcp: [
                { address: '198.18.23.1', port: 22, state: 'open', connectMs: 0.4 },
                { address: '198.18.23.1', port: 443, state: 'closed', connectMs: 0.3 },
              ],
            },
            { target: '198.18.23.2', address: '198.18.23.2', resolveMs: 0, ping: ping('198.18.23.2', [null, null, null, null, null]) },
          ],
        },
      },
      build: (result) => networkReportView(result, i18n),
    },
    {
      tool: 'net_interfaces',
      args: {},
      result: {
        status: 'success',
        data: {
          interfaces: [
            {
              name: s('eth0'),
              state: 'UP',
              mtu: 1500,
              addresses: ['198.18.23.10/24'],
              stats: {
                rxBytes: 12_345_678,
                txBytes: 2_345_678,
                rxPackets: 1000,
                txPackets: 900,
                rxErrors: 0,
                txErrors: 3,
                rxDropped: 1,
                txDropped: 0,
              },
            },
            { name: 'lo', state: 'UNKNOWN', mtu: 65536, addresses: ['127.0.0.1/8'] },
          ],
          routes: [{ dst: 'default', gateway: '198.18.23.1', dev: 'eth0' }],
          neighbours: [],
        },
      },
      build: (result) => interfacesView(result, i18n),
    },
    {
      tool: 'net_snmp_poll',
      args: { targets: '198.18.23.5', community: 'public' },
      result: {
        status: 'success',
        data: {
          durationMs: 5200,
          devices: [
            {
              address: '198.18.23.5',
              pollMs: [12, 11],
              interfaceCount: 2,
              rates: [
                {
                  index: 1,
                  name: s('ge-0/0/1'),
                  intervalSeconds: 5,
                  inBitsPerSecond: 940_000_000,
                  outBitsPerSecond: 120_000_000,
                  utilisation: 0.94,
                  inErrorsPerSecond: 2.5,
                  outErrorsPerSecond: 0,
                  inDiscardsPerSecond: 0.2,
                  outDiscardsPerSecond: 0,
                  errorRatio: 0.002,
                  counterReset: false,
                },
                {
                  index: 2,
                  name: 'ge-0/0/2',
                  intervalSeconds: 5,
                  inBitsPerSecond: 12_000_000,
                  outBitsPerSecond: 8_000_000,
                  utilisation: 0.02,
                  inErrorsPerSecond: 0,
                  outErrorsPerSecond: 0,
                  inDiscardsPerSecond: 0,
                  outDiscardsPerSecond: 0,
                  errorRatio: 0,
                  counterReset: false,
                },
              ],
            },
          ],
          findings: [
            finding('198.18.23.5', 'critical', 'snmp', 'snmp.saturated', {
              address: '198.18.23.5',
              interface: s('ge-0/0/1'),
              ifIndex: 1,
              utilisationRatio: 0.94,
              inBitsPerSecond: 940_000_000,
              outBitsPerSecond: 120_000_000,
            }),
          ],
        },
      },
      build: (result) => snmpView(result, i18n),
    },
    {
      tool: 'qos_plan',
      args: { intent: s('limiter le trafic web à 20 Mbit/s sur nc0') },
      result: { status: 'success', data: samplePlan(s('limiter le trafic web à 20 Mbit/s sur nc0')) },
      build: (result) => qosPlanView(result, i18n),
    },
    {
      tool: 'qos_show',
      args: { interface: 'nc0' },
      result: {
        status: 'success',
        data: {
          state: {
            device: 'nc0',
            qdiscs: [{ kind: 'htb', handle: '1:', parent: 'root' }],
            classes: [
              {
                kind: 'htb',
                id: '1:1',
                parent: '1:',
                rate: 1e9,
                ceil: 1e9,
                statistics: { bytes: 9_000_000, packets: 9000, drops: 0, overlimits: 0, backlogBytes: 0, backlogPackets: 0 },
              },
              {
                kind: 'htb',
                id: '1:10',
                parent: '1:1',
                rate: 2e7,
                ceil: 2e7,
                statistics: { bytes: 4_000_000, packets: 3000, drops: 42, overlimits: 120, backlogBytes: 1500, backlogPackets: 1 },
              },
            ],
            filters: [],
          },
          capabilities: { missing: [] },
          applications: [{ id: 'app-1', status: 'applied', intent: s('limit web to 20 Mbit/s'), createdAt: '2026-12-06T19:00:00.000Z' }],
        },
      },
      build: (result) => qosShowView(result, i18n),
    },
  ];
}
