/**
 * One realistic result per tool (the shapes the tools really return), turned into views by
 * the tools' own builders: shared by the renderer tests, the Chromium console test and the
 * screenshot script, so every view is exercised the same way everywhere. `hostile()` gives
 * the same results with markup, mentions, huge strings and long lists in every text. Every
 * builder takes the reader's translator (English by default), so the same fixtures serve the
 * French checks.
 */
import { createTranslator, type Translator } from '../../src/contracts/i18n.js';
import type { ResultView } from '../../src/contracts/result-view.js';
import { auditTimelineView, knowledgeView, systemStatusView } from '../../src/tools/core/core-views.js';
import { dedupIngestView, dedupQueryView } from '../../src/tools/dedup/dedup-views.js';
import { makeFinding, type Severity } from '../../src/tools/network/analysis-report.js';
import type { FindingCode, FindingParams } from '../../src/tools/network/finding-text.js';
import { interfacesView, networkReportView, snmpView } from '../../src/tools/network/network-views.js';
import { genericResultView } from '../../src/tools/pipeline/result-views.js';
import { qosApplyPreview, qosPlanView, qosShowView, type PlanSummary } from '../../src/tools/qos/qos-views.js';
import { serviceCreatePreview, serviceSearchView } from '../../src/tools/services/services-views.js';
import type { ToolResult } from '../../src/tools/tool-contract.js';

/** A tool, its arguments and its result (as stored on an execution). */
export interface ToolFixture {
  tool: string;
  args: Record<string, unknown>;
  result: ToolResult;
  view: ResultView;
}

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
const finding = (target: string, severity: Severity, check: string, code: FindingCode, params: FindingParams) => makeFinding(target, { severity, check, code, params }, createTranslator('en'));

/** The plan qos_plan returns for "limiter le trafic web à 20 Mbit/s sur nc0". */
export function samplePlan(text = 'limiter le trafic web à 20 Mbit/s sur nc0'): PlanSummary {
  return {
    interface: 'nc0',
    direction: 'egress',
    device: 'nc0',
    clauses: [{ text, action: 'limit', application: 'web', template: 'web', rate: 20_000_000, ceil: 20_000_000 }],
    interpretedBy: 'parser',
    warnings: ['kernel capabilities were not probed: assuming the minimum'],
    diff: { removed: ['qdisc noqueue root'], added: ['qdisc htb 1: root default 1:99', 'class 1:1 parent 1: rate 1Gbit ceil 1Gbit', 'class 1:10 parent 1:1 rate 20Mbit ceil 20Mbit', 'class 1:99 parent 1:1 rate 980Mbit ceil 1Gbit', 'filter parent 1: prio 10 u32 -> 1:10'], unchanged: 0 },
    commands: 6,
    batch: 'qdisc replace dev nc0 root handle 1: htb default 99 r2q 10\nclass replace dev nc0 parent 1: classid 1:1 htb rate 1000mbit ceil 1000mbit\nclass replace dev nc0 parent 1:1 classid 1:10 htb rate 20mbit ceil 20mbit prio 1\nclass replace dev nc0 parent 1:1 classid 1:99 htb rate 980mbit ceil 1000mbit prio 7\nfilter replace dev nc0 parent 1: protocol ip prio 10 u32 match ip dport 443 0xffff flowid 1:10\nfilter replace dev nc0 parent 1: protocol ip prio 11 u32 match ip dport 80 0xffff flowid 1:10',
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

const citation = (index: number, title: string, text: string, url: string | null) => ({
  marker: `[${index}]`,
  source: `[${index}] ${title}`,
  documentId: `doc-${index}`,
  title,
  sourceUrl: url,
  headingPath: [title, 'Failover'],
  startOffset: 120 * index,
  endOffset: 120 * index + text.length,
  score: 0.9 - index / 10,
  text,
});

/** Every tool's fixture, with `text` spliced into every free-text field (hostile runs). */
export function toolFixtures(text = '', i18n: Translator = createTranslator('en')): ToolFixture[] {
  const s = (value: string) => `${value}${text}`;
  const fixtures: Array<Omit<ToolFixture, 'view'> & { build: (result: ToolResult) => ResultView | undefined }> = [
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
            finding(s('198.18.23.2'), 'critical', 'ping', 'ping.unreachable', { target: s('198.18.23.2'), address: '198.18.23.2', sent: 5, error: null }),
            finding(s('198.18.23.1'), 'warning', 'tcp', 'tcp.closed', { target: s('198.18.23.1'), address: '198.18.23.1', port: 443, connectMs: 0.3 }),
            finding(s('198.18.23.1'), 'ok', 'ping', 'ping.ok', { target: s('198.18.23.1'), address: '198.18.23.1', sent: 5, lossPercent: 0, avgMs: 1.78, jitterMs: 1.2, minMs: 1.1, maxMs: 3.9 }),
          ],
          measurements: [
            { target: s('198.18.23.1'), address: '198.18.23.1', resolveMs: 0, ping: ping('198.18.23.1', [1.2, 1.4, 3.9, 1.1, 1.3]), tcp: [{ address: '198.18.23.1', port: 22, state: 'open', connectMs: 0.4 }, { address: '198.18.23.1', port: 443, state: 'closed', connectMs: 0.3 }] },
            { target: '198.18.23.2', address: '198.18.23.2', resolveMs: 0, ping: ping('198.18.23.2', [null, null, null, null, null]) },
          ],
        },
      },
      build: (result) => networkReportView(result, i18n),
    },
    {
      tool: 'net_interfaces',
      args: {},
      result: { status: 'success', data: { interfaces: [{ name: s('eth0'), state: 'UP', mtu: 1500, addresses: ['198.18.23.10/24'], stats: { rxBytes: 12_345_678, txBytes: 2_345_678, rxPackets: 1000, txPackets: 900, rxErrors: 0, txErrors: 3, rxDropped: 1, txDropped: 0 } }, { name: 'lo', state: 'UNKNOWN', mtu: 65536, addresses: ['127.0.0.1/8'] }], routes: [{ dst: 'default', gateway: '198.18.23.1', dev: 'eth0' }], neighbours: [] } },
      build: (result) => interfacesView(result, i18n),
    },
    {
      tool: 'net_snmp_poll',
      args: { targets: '198.18.23.5', community: 'public' },
      result: {
        status: 'success',
        data: {
          durationMs: 5200,
          devices: [{ address: '198.18.23.5', pollMs: [12, 11], interfaceCount: 2, rates: [
            { index: 1, name: s('ge-0/0/1'), intervalSeconds: 5, inBitsPerSecond: 940_000_000, outBitsPerSecond: 120_000_000, utilisation: 0.94, inErrorsPerSecond: 2.5, outErrorsPerSecond: 0, inDiscardsPerSecond: 0.2, outDiscardsPerSecond: 0, errorRatio: 0.002, counterReset: false },
            { index: 2, name: 'ge-0/0/2', intervalSeconds: 5, inBitsPerSecond: 12_000_000, outBitsPerSecond: 8_000_000, utilisation: 0.02, inErrorsPerSecond: 0, outErrorsPerSecond: 0, inDiscardsPerSecond: 0, outDiscardsPerSecond: 0, errorRatio: 0, counterReset: false },
          ] }],
          findings: [finding('198.18.23.5', 'critical', 'snmp', 'snmp.saturated', { address: '198.18.23.5', interface: s('ge-0/0/1'), ifIndex: 1, utilisationRatio: 0.94, inBitsPerSecond: 940_000_000, outBitsPerSecond: 120_000_000 })],
        },
      },
      build: (result) => snmpView(result, i18n),
    },
    { tool: 'qos_plan', args: { intent: s('limiter le trafic web à 20 Mbit/s sur nc0') }, result: { status: 'success', data: samplePlan(s('limiter le trafic web à 20 Mbit/s sur nc0')) }, build: (result) => qosPlanView(result, i18n) },
    {
      tool: 'qos_show',
      args: { interface: 'nc0' },
      result: { status: 'success', data: { state: { device: 'nc0', qdiscs: [{ kind: 'htb', handle: '1:', parent: 'root' }], classes: [{ kind: 'htb', id: '1:1', parent: '1:', rate: 1e9, ceil: 1e9, statistics: { bytes: 9_000_000, packets: 9000, drops: 0, overlimits: 0, backlogBytes: 0, backlogPackets: 0 } }, { kind: 'htb', id: '1:10', parent: '1:1', rate: 2e7, ceil: 2e7, statistics: { bytes: 4_000_000, packets: 3000, drops: 42, overlimits: 120, backlogBytes: 1500, backlogPackets: 1 } }], filters: [] }, capabilities: { missing: [] }, applications: [{ id: 'app-1', status: 'applied', intent: s('limit web to 20 Mbit/s'), createdAt: '2026-12-06T19:00:00.000Z' }] } },
      build: (result) => qosShowView(result, i18n),
    },
    { tool: 'dedup_query', args: { query: 'stats' }, result: { status: 'success', data: { snapshot: null, snapshots: 3, files: 1200, duplicateFiles: 310, logicalBytes: 5_400_000_000, atomReferences: 90_000, uniqueAtoms: 40_000, uniqueBytes: 2_100_000_000, storedBytes: 1_300_000_000, storeAtoms: 40_000, storeBytes: 1_300_000_000, dedupRatio: 2.57, compressionRatio: 1.62, meanReuse: 2.25 } }, build: (result) => dedupQueryView({ query: 'stats' }, result, i18n) },
    { tool: 'dedup_query', args: { query: 'top' }, result: { status: 'success', data: [{ hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90', size: 65536, references: 120, savedBytes: 7_798_784, files: [{ snapshot: 'monday', path: s('lib/vendor.js') }] }, { hash: 'b4e2', size: 8192, references: 40, savedBytes: 319_488, files: [] }] }, build: (result) => dedupQueryView({ query: 'top' }, result, i18n) },
    { tool: 'dedup_query', args: { query: 'similar', subject: 'lib/index.js' }, result: { status: 'success', data: [{ path: s('lib/index.old.js'), size: 20_000, sharedBytes: 18_000, sharedAtoms: 9, similarity: 0.9 }, { path: 'lib/main.js', size: 40_000, sharedBytes: 10_000, sharedAtoms: 4, similarity: 0.25 }] }, build: (result) => dedupQueryView({ query: 'similar', subject: 'lib/index.js' }, result, i18n) },
    { tool: 'dedup_query', args: { query: 'diff', subject: 'monday', other: 'tuesday' }, result: { status: 'success', data: { from: 'monday', to: 'tuesday', added: { files: 3, bytes: 30_000 }, removed: { files: 1, bytes: 1000 }, changed: { files: 2, bytesBefore: 5000, bytesAfter: 6000 }, unchanged: 1194, newUniqueBytes: 21_000, entries: [{ path: s('docs/new.md'), change: 'added', sizeBefore: null, sizeAfter: 10_000 }, { path: 'old.txt', change: 'removed', sizeBefore: 1000, sizeAfter: null }] } }, build: (result) => dedupQueryView({ query: 'diff' }, result, i18n) },
    { tool: 'dedup_ingest', args: { path: '/srv/backups' }, result: { status: 'success', data: { snapshot: 'nightly-22', root: '/srv/backups', resumed: false, previousSnapshot: 'nightly-21', files: 1200, filesRead: 40, filesUnchanged: 1160, filesResumed: 0, symlinks: 2, bytes: 5_400_000_000, bytesRead: 120_000_000, newAtoms: 300, newAtomBytes: 40_000_000, newStoredBytes: 21_000_000, problemCount: 1, problems: [{ path: s('secret.bin'), error: 'EACCES' }] } }, build: (result) => dedupIngestView(result, i18n) },
    {
      tool: 'knowledge_search',
      args: { query: 'fail over the core router' },
      result: { status: 'success', data: { answer: 'see citations', citations: [citation(1, s('Core router runbook'), s('To fail over the core router, drain BGP on r1 then shut the uplink.'), 'https://wiki.example.test/core-router'), citation(2, 'Network on-call guide', 'Page the network lead before any failover of the core.', null)] } },
      build: (result) => knowledgeView({ query: 'fail over the core router' }, result, i18n),
    },
    {
      tool: 'service_search',
      args: { q: 'plombier', near: 'Douala' },
      result: { status: 'success', data: { cards: [{ id: 's-1', title: s('Plombier dépannage rapide'), subtitle: 'Plomberie · Douala · 1.2 km', text: s('Réparation de fuites, robinets et chauffe-eau.'), fields: [{ label: 'Prix', value: '5 000 – 8 000 XAF' }, { label: 'Disponibilité', value: '7j/7' }], footer: 'mots : plombier · à 1.2 km' }, { id: 's-2', title: 'Plomberie générale Akwa', subtitle: 'Plomberie · Douala · 3.4 km', text: 'Installation sanitaire.', fields: [{ label: 'Prix', value: 'sur devis' }], footer: 'mots : plombier' }] } },
      build: (result) => serviceSearchView({ q: 'plombier', near: 'Douala' }, result, i18n),
    },
    { tool: 'system_status', args: {}, result: { status: 'success', data: { version: '0.1.0', uptimeSeconds: 7380, database: { backend: 'pglite', latencyMs: 0.8 }, memory: { rssMb: 180, heapUsedMb: 70 }, load: [0.5, 0.4, 0.3], toolsets: [{ name: 'core', ok: true }, { name: 'qos', ok: false, detail: s('applying QoS needs root') }] } }, build: (result) => systemStatusView(result, i18n) },
    { tool: 'acme.lookup', args: { id: 42 }, result: { status: 'success', data: { id: 42, owner: s('alice'), tags: ['a', 'b'], items: [{ sku: 'X1', qty: 3 }, { sku: s('X2'), qty: 1 }] } }, build: (result) => genericResultView('acme.lookup', result, i18n) },
  ];
  return fixtures.map(({ build, ...fixture }) => ({ ...fixture, view: build(fixture.result) ?? genericResultView(fixture.tool, fixture.result, i18n) }));
}

/** Views that are not tool results: approval previews and an audit timeline. */
export function extraViews(text = '', i18n: Translator = createTranslator('en')): Array<{ name: string; view: ResultView }> {
  return [
    { name: 'qos_apply preview', view: qosApplyPreview(samplePlan(`limit web to 20 Mbit/s on nc0${text}`), 5, i18n) },
    { name: 'service_create preview', view: serviceCreatePreview({ text: `Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement${text}` }, { title: `Je répare les fuites${text}`, description: 'Je répare les fuites à Bonamoussadi', category: 'plomberie', priceMin: 10_000, priceMax: 10_000, currency: 'XAF', priceUnit: 'le déplacement', city: 'Douala', place: 'Bonamoussadi', country: 'CM', latitude: 4.09, longitude: 9.74, availability: null, contact: null, evidence: { price: '10 000 FCFA', place: 'Bonamoussadi', category: null, alternatives: [], titleFrom: 'text' } }, i18n) },
    { name: 'audit timeline', view: auditTimelineView([{ createdAt: '2026-12-06T19:00:00.000Z', action: 'execution.proposed', actorName: `alice${text}`, channel: 'console', tool: 'qos_apply' }, { createdAt: '2026-12-06T19:01:00.000Z', action: 'execution.approved', actorName: 'bob', channel: 'slack', tool: 'qos_apply' }, { createdAt: '2026-12-06T19:01:02.000Z', action: 'execution.succeeded', status: 'succeeded', actorName: 'alice', tool: 'qos_apply' }], undefined, i18n) },
  ];
}

/** Hostile text: markup, Slack/Discord mentions and links, Markdown, a lone-free long tail. */
export const HOSTILE = ' <script>alert(1)</script><img src=x onerror=alert(2)> <!channel> @everyone <@U123> [x](javascript:alert(3)) *bold* `code` ```fence``` &amp; ' + 'é'.repeat(20_000);
