/**
 * Findings in the reader's language: every finding code has its sentences in the English and
 * French catalogs (the test walks FINDING_CODES, so a new code without keys fails), renders
 * with every variable filled, numbers and units in the locale; the engine records codes with
 * raw params and English sentences taken from the same keys; stored reports without codes
 * still render (their English text); hostile params stay text and never crash a view.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGS, createTranslator, hasMessage, type Locale } from '../../contracts/i18n.js';
import { resultViewSchema, type ResultView } from '../../contracts/result-view.js';
import { targetFindings, type Finding, type TargetMeasurements } from './analysis-report.js';
import { describeFinding, FINDING_CODES, findingText, isFindingCode, type FindingCode, type FindingParams } from './finding-text.js';
import { networkReportView, snmpView } from './network-views.js';
import { SnmpMonitor } from './snmp-monitor.js';
import { FINDING_SAMPLES as SAMPLES } from '../../../test/support/network-finding-samples.js';

const en = createTranslator('en');
const fr = createTranslator('fr');

/** True when `locale`'s catalog has the sentence `part` of `code` (plain or with plural forms). */
function hasPart(code: FindingCode, part: string, locale: Locale): boolean {
  const key = `view.network.findingText.${code}.${part}`;
  return hasMessage(key, locale) || (hasMessage(`${key}_one`, locale) && hasMessage(`${key}_other`, locale));
}

const tableRows = (view: ResultView) =>
  view.blocks.flatMap((block) => (block.type === 'table' && block.columns.some((column) => column.key === 'evidence') ? block.rows : []));

describe('network findings in French and English', () => {
  it('has title, evidence and recommendation of every code in both catalogs, and renders them filled', () => {
    assert.ok(FINDING_CODES.length >= 25);
    assert.deepEqual(Object.keys(SAMPLES).sort(), [...FINDING_CODES].sort(), 'every code has a sample');
    for (const locale of ['en', 'fr'] as const) {
      const texts = ((CATALOGS[locale].view as Record<string, unknown>).network as Record<string, unknown>).findingText as Record<
        string,
        Record<string, unknown>
      >;
      const catalogCodes = Object.entries(texts).flatMap(([group, codes]) =>
        group === 'clause' ? [] : Object.keys(codes).map((name) => `${group}.${name}`),
      );
      assert.deepEqual(catalogCodes.sort(), [...FINDING_CODES].sort(), `${locale}: no catalog entry without a code`);
    }
    for (const code of FINDING_CODES) {
      for (const locale of ['en', 'fr'] as const)
        for (const part of ['title', 'evidence', 'recommendation']) assert.ok(hasPart(code, part, locale), `${locale} ${code}.${part}`);
      const english = findingText(code, SAMPLES[code], en);
      const french = findingText(code, SAMPLES[code], fr);
      for (const [language, text] of [
        ['en', english],
        ['fr', french],
      ] as const) {
        for (const [part, sentence] of Object.entries(text)) {
          assert.ok(sentence.trim().length > 0, `${language} ${code}.${part} is empty`);
          assert.doesNotMatch(sentence, /\{\{|view\.network|undefined|NaN|\[object/, `${language} ${code}.${part}: ${sentence}`);
        }
      }
      assert.notEqual(french.title, english.title, `${code}: the French title is French`);
      assert.notEqual(french.recommendation, english.recommendation, `${code}: the French recommendation is French`);
    }
  });

  it('writes numbers, units, plurals and dates in the locale', () => {
    const loss = findingText('ping.loss', SAMPLES['ping.loss'], fr);
    assert.equal(loss.title, 'Perte de paquets vers db1.lab');
    assert.equal(
      loss.evidence.replace(/\u202f/g, ' '),
      'perte de 12,5 % vers 10.0.0.1 sur 50 sondes, latence 81,2 ms ± 3,1 ms (min 77 ms, max 1 234,6 ms), le saut 2 (198.18.40.6) ajoute 80,4 ms',
    );
    assert.equal(
      findingText('ping.loss', SAMPLES['ping.loss'], en).evidence,
      'loss 12.5 % to 10.0.0.1 over 50 probes, latency 81.2 ms ± 3.1 ms (min 77 ms, max 1,234.6 ms), hop 2 (198.18.40.6) adds 80.4 ms',
    );
    assert.equal(
      findingText('ping.highJitter', SAMPLES['ping.highJitter'], fr).recommendation,
      "Examinez le saut 3 : il ajoute l'essentiel du délai.",
    );
    assert.equal(
      findingText('ping.highLatency', SAMPLES['ping.highLatency'], fr).recommendation,
      'Tracez le chemin (net_path) pour trouver le saut qui ajoute le délai.',
    );
    assert.match(findingText('ping.highJitter', SAMPLES['ping.highJitter'], en).evidence, /hop 3 \(\?\) adds 30 ms$/);
    assert.equal(
      findingText('ping.ok', SAMPLES['ping.ok'], en).evidence,
      'loss 0 % to 10.0.0.1 over 1 probe, latency 0.1 ms ± 0 ms (min 0.1 ms, max 0.1 ms)',
    );
    assert.deepEqual(findingText('tcp.closed', SAMPLES['tcp.closed'], fr), {
      title: 'Port 44321 fermé sur db1.lab',
      evidence: "connexion refusée (RST) après 0,3 ms : l'hôte répond mais rien n'écoute sur ce port",
      recommendation: 'Vérifiez que le service tourne et écoute sur cette adresse.',
    });
    assert.equal(findingText('tcp.filtered', SAMPLES['tcp.filtered'], fr).title, 'Port 8024 sur db1.lab : filtré');
    assert.equal(findingText('tcp.unreachable', SAMPLES['tcp.unreachable'], fr).evidence, 'injoignable (connect EHOSTUNREACH)');
    assert.equal(
      findingText('tls.expiring', { ...SAMPLES['tls.expiring'], daysLeft: 1 }, fr).title,
      'Le certificat TLS de https://web.lab:443/ expire dans 1 jour',
    );
    assert.equal(
      findingText('tls.expiring', SAMPLES['tls.expiring'], fr).title,
      'Le certificat TLS de https://web.lab:443/ expire dans 5 jours',
    );
    assert.equal(
      findingText('tls.expiring', SAMPLES['tls.expiring'], en).title,
      'TLS certificate of https://web.lab:443/ expires in 5 days',
    );
    assert.equal(findingText('tls.expiring', SAMPLES['tls.expiring'], fr).evidence, "valide jusqu'au 12 décembre 2026");
    assert.equal(
      findingText('path.incomplete', { ...SAMPLES['path.incomplete'], hops: 3 }, fr).evidence,
      '3 sauts tracés (tracepath stopped after 30000 ms)',
    );
    assert.equal(
      findingText('snmp.saturated', SAMPLES['snmp.saturated'], fr).evidence,
      'utilisation 94,3 % (entrant 943,4 Mbit/s, sortant 1,2 Mbit/s)',
    );
    assert.equal(
      findingText('snmp.errors', SAMPLES['snmp.errors'], fr).evidence.replace(/\u202f/g, ' '),
      '1,23 % des paquets en erreur (1 234,5/s)',
    );
    assert.equal(
      findingText('snmp.errorBurst', SAMPLES['snmp.errorBurst'], fr).evidence,
      '10 erreurs/s pour une référence de 0,04 (z robuste 41,25)',
    );
    assert.equal(
      findingText('run.timedOut', SAMPLES['run.timedOut'], fr).evidence.replace(/\u202f/g, ' '),
      '60 000 ms écoulées ; les mesures sont partielles',
    );
  });

  it('records codes with raw params, and English sentences from the same keys', () => {
    const measurement: TargetMeasurements = {
      target: 'h.lab',
      address: '198.18.40.10',
      resolveMs: 0.2,
      ping: {
        address: '198.18.40.10',
        sent: 50,
        received: 40,
        lossPercent: 20,
        rttMs: { min: 77.123, avg: 81.234, median: 81, max: 90.5, jitter: 3.14 },
        samplesMs: [],
      },
      tcp: [
        { address: '198.18.40.10', port: 22, state: 'open', connectMs: 0.4 },
        { address: '198.18.40.10', port: 8023, state: 'closed', connectMs: 0.3 },
        { address: '198.18.40.10', port: 8024, state: 'filtered', connectMs: null, error: 'no answer' },
        { address: '198.18.40.10', port: 8025, state: 'error', connectMs: null },
      ],
      http: {
        url: 'https://h.lab:443/',
        status: 503,
        timingsMs: { connect: 1, tls: 2, firstByte: 30, total: 31 },
        tls: { validTo: '2026-12-01T00:00:00.000Z', daysLeft: -6, authorized: false },
      },
      dns: { name: 'h.lab', servers: [], answers: [{ type: 'A', records: [], durationMs: 900, error: 'ENOTFOUND' }] },
      path: {
        address: '198.18.40.10',
        hops: [
          { hop: 1, address: '198.18.40.1', latencyMs: 0.3, addedMs: 0.3 },
          { hop: 2, address: null, latencyMs: 80.7, addedMs: 80.4 },
        ],
        reached: false,
        pathMtu: 1400,
        slowestHop: { hop: 2, address: null, latencyMs: 80.7, addedMs: 80.4 },
        route: null,
        error: 'no reply',
      },
    };
    const findings = targetFindings(measurement);
    assert.deepEqual(
      findings.map((finding) => finding.code),
      [
        'ping.loss',
        'tcp.open',
        'tcp.closed',
        'tcp.filtered',
        'tcp.unreachable',
        'http.serverError',
        'tls.expired',
        'tls.unverified',
        'dns.noA',
        'dns.slow',
        'path.slowHop',
        'path.incomplete',
        'path.mtu',
      ],
    );
    for (const finding of findings) {
      assert.ok(isFindingCode(finding.code));
      assert.deepEqual(
        { title: finding.title, evidence: finding.evidence, recommendation: finding.recommendation },
        findingText(finding.code, finding.params!, en),
        finding.code,
      );
    }
    const loss = findings[0]!;
    assert.equal(loss.severity, 'critical');
    assert.deepEqual(loss.params, {
      target: 'h.lab',
      address: '198.18.40.10',
      sent: 50,
      lossPercent: 20,
      avgMs: 81.234,
      jitterMs: 3.14,
      minMs: 77.123,
      maxMs: 90.5,
      slowHop: 2,
      slowHopAddress: null,
      slowHopAddedMs: 80.4,
    });
    assert.equal(findings[2]!.title, 'Port 8023 closed on h.lab');
    assert.equal(
      findings.find((finding) => finding.code === 'tls.expired')!.title,
      'TLS certificate of https://h.lab:443/ expired 6 days ago',
    );
    const snmp = new SnmpMonitor().analysePolls(
      ['10.0.0.9'],
      [[{ address: '10.0.0.9', takenAt: 0, durationMs: 3000, interfaces: [], error: 'Request timed out' }]],
    );
    assert.deepEqual(
      snmp.findings.map((finding) => [finding.code, finding.params, finding.title, finding.evidence]),
      [['snmp.noAnswer', { address: '10.0.0.9', error: 'Request timed out' }, 'SNMP agent 10.0.0.9 did not answer', 'Request timed out']],
    );
  });

  it('writes the net_check view in the reader language, headline included', () => {
    const findings = targetFindings({
      target: '127.0.0.1',
      address: '127.0.0.1',
      resolveMs: 0,
      tcp: [{ address: '127.0.0.1', port: 41999, state: 'closed', connectMs: 0.2 }],
    });
    const result = {
      status: 'success' as const,
      data: {
        summary: '1 critical, 0 warning finding(s) on 1 target(s).',
        findings,
        measurements: [{ target: '127.0.0.1', address: '127.0.0.1', resolveMs: 0 }],
        durationMs: 5,
      },
    };
    const french = networkReportView(result, fr)!;
    assert.equal(
      french.headline,
      "1 alerte sur 1 cible. Le plus grave : Port 41999 fermé sur 127.0.0.1 — connexion refusée (RST) après 0,2 ms : l'hôte répond mais rien n'écoute sur ce port.",
    );
    assert.deepEqual(tableRows(french)[0], {
      severity: 'alerte',
      title: 'Port 41999 fermé sur 127.0.0.1',
      evidence: "connexion refusée (RST) après 0,2 ms : l'hôte répond mais rien n'écoute sur ce port",
      recommendation: 'Vérifiez que le service tourne et écoute sur cette adresse.',
    });
    assert.equal(
      networkReportView(result, en)!.headline,
      '1 warning on 1 target. Worst: Port 41999 closed on 127.0.0.1 — connection refused (RST) after 0.2 ms: the host is up but nothing listens.',
    );
    const calm = {
      status: 'success' as const,
      data: { summary: 'No problem found on 2 targets.', findings: [], measurements: [{ target: 'a' }, { target: 'b' }] },
    };
    assert.equal(networkReportView(calm, fr)!.headline, 'Aucun problème sur 2 cibles.');
  });

  it('renders stored reports without codes with their stored English', () => {
    const legacy: Finding = {
      severity: 'warning',
      target: '10.0.0.1',
      check: 'tcp',
      title: 'Port 443 closed on 10.0.0.1',
      evidence: 'connection refused (RST) after 0.3 ms',
      recommendation: 'Check that the service is running.',
    };
    const result = {
      status: 'success' as const,
      data: {
        summary: '0 critical, 1 warning finding(s) on 1 target(s). Worst: Port 443 closed on 10.0.0.1',
        findings: [legacy],
        measurements: [],
      },
    };
    const view = networkReportView(result, fr)!;
    assert.equal(view.headline, result.data.summary);
    assert.deepEqual(tableRows(view)[0], {
      severity: 'alerte',
      title: legacy.title,
      evidence: legacy.evidence,
      recommendation: legacy.recommendation,
    });
    // An unknown code (a newer engine's, or junk) or params that are not an object: the stored text too.
    assert.equal(describeFinding({ ...legacy, code: 'tcp.reset', params: {} }, fr).title, legacy.title);
    assert.equal(describeFinding({ ...legacy, code: 'tcp.closed', params: ['x'] }, fr).title, legacy.title);
    assert.deepEqual(describeFinding({ code: '__proto__', params: null, title: 42 }, fr), { title: '', evidence: '', recommendation: '' });
    const snmp = snmpView(
      {
        status: 'success',
        data: {
          devices: [],
          findings: [
            {
              severity: 'critical',
              target: 'x',
              check: 'snmp',
              title: 'SNMP agent x did not answer',
              evidence: 'timeout',
              recommendation: 'Check.',
            },
          ],
        },
      },
      fr,
    )!;
    assert.equal(tableRows(snmp)[0]!.title, 'SNMP agent x did not answer');
  });

  it('keeps hostile params as text: markup, mentions, i18next syntax, NUL and lone surrogates', () => {
    const hostile = '<script>alert(1)</script> <!channel> {{count}} $t(view.more) \u0000 \uD800 \uDFFF';
    const closed = findingText('tcp.closed', { ...SAMPLES['tcp.closed'], target: hostile }, fr);
    assert.equal(closed.title, `Port 44321 fermé sur ${hostile}`);
    const failed = findingText('http.failed', { target: hostile, url: `http://x/${hostile}`, error: hostile }, fr);
    assert.equal(failed.title, `La sonde HTTP vers http://x/${hostile} a échoué`);
    assert.equal(failed.evidence, `aucun statut HTTP (${hostile})`);
    // i18next options never come from data; odd values read as a dash; nothing throws.
    const odd = findingText(
      'tcp.closed',
      {
        ...SAMPLES['tcp.closed'],
        lng: 'en',
        returnObjects: 'yes',
        context: 'x',
        count: 7,
        connectMs: Number.NaN,
        port: Number.POSITIVE_INFINITY,
      } as FindingParams,
      fr,
    );
    assert.equal(odd.title, 'Port — fermé sur db1.lab');
    assert.match(odd.evidence, /^connexion refusée \(RST\) après — :/);
    const junk = findingText(
      'ping.loss',
      { target: { toString: () => 'x' }, sent: 'many', slowHop: 'two', lossPercent: -0 } as unknown as FindingParams,
      fr,
    );
    assert.doesNotMatch(`${junk.title}${junk.evidence}`, /\{\{|\[object|undefined/);
    const huge = findingText('tcp.closed', { ...SAMPLES['tcp.closed'], target: 'é'.repeat(100_000) }, fr);
    assert.ok(huge.title.endsWith('é'));
    const view = networkReportView(
      {
        status: 'success',
        data: {
          findings: [
            {
              severity: 'critical',
              target: hostile,
              check: 'http',
              code: 'http.failed',
              params: { target: hostile, url: hostile, error: null },
              title: 't',
              evidence: 'e',
              recommendation: 'r',
            },
          ],
          measurements: [{ target: hostile, address: hostile }],
        },
      },
      fr,
    )!;
    assert.ok(resultViewSchema.safeParse(view).success);
    assert.ok(view.headline.includes('<script>alert(1)</script>'));
    assert.ok(
      String(tableRows(view)[0]!.title).startsWith('La sonde HTTP vers <script>alert(1)</script> <!channel> {{count}} $t(view.more)'),
    );
  });
});
