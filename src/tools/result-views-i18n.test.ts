/**
 * Result views in the reader's language: every builder fed its fixture in English and in
 * French. French views carry French headlines and labels with no English words left in the
 * fixed text, real plurals (1 vs 2, and the `many` form French uses for 1 000 000), numbers
 * formatted by Intl (1 234,5); network findings written from their codes; data values
 * (hostnames, titles, queries, hostile text) come through unchanged; English stays the default for builders called without a translator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTranslator } from '../contracts/i18n.js';
import { resultViewSchema, type ResultView } from '../contracts/result-view.js';
import { outcomeText } from '../contracts/execution-card.js';
import { describeExecution } from './pipeline/execution-summary.js';
import type { ExecutionView } from './pipeline/execution-view.js';
import { argumentsView, genericResultView, previewOf, withView } from './pipeline/result-views.js';
import { knowledgeView } from './core/core-views.js';
import { dedupQueryView } from './dedup/dedup-views.js';
import { formatBytes, formatNumber } from './view-format.js';
import { outcomeSentence } from './pipeline/execution-outcomes.js';
import { extraViews, toolFixtures } from '../../test/support/view-fixtures.js';
import type { ToolDefinition } from './tool-contract.js';
import { z } from 'zod';

const fr = createTranslator('fr');
const en = createTranslator('en');

/** Words of the English catalog's view text that must not survive in a French view. */
const ENGLISH =
  /\b(Targets?|Address(es)?|Loss|Latency|Jitter|Findings?|Severity|Evidence|What to do|Duration|Report|Name|State|Received|Errors|Drops|Gateway|Device|Files|File\b(?! d)|Snapshots?|Bytes|Stored|Size|References|Saved|Similarity|Shared|Added|Removed|Changed|Unchanged|Warnings|Ceiling|Traffic|Sent|Database|Memory|Load|Why|Toolset|Title|Category|Price|Place|Availability|Problems|Root|Directory|Preview|succeeded|failed|waiting|checked|polled|unreachable|dropped|more|Will|events?|passages? for|stored as|saving|share content|Breakdown|class\(es\)|commands?|Class tree|Rolled back|egress|Audit trail|by alice|No arguments|arguments)\b|\(s\)/;

/** Identifiers of the view format (block types, column keys, tones), not text people read. */
const STRUCTURE = new Set(['type', 'key', 'tone', 'rowTones', 'kind', 'align', 'language', 'locale', 'marker', 'id']);

/** Every string of a view (headline, titles, labels, cells, texts), for leftover checks. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => strings(item, out));
  else if (value && typeof value === 'object')
    for (const [name, item] of Object.entries(value)) if (!STRUCTURE.has(name)) strings(item, out);
  return out;
}

/** The view's text with every data value of the fixture (its result and arguments) taken out. */
function fixedText(view: ResultView, data: unknown[]): string {
  const values = strings(data)
    .filter((value) => value.length >= 3)
    .sort((a, b) => b.length - a.length);
  return strings(view)
    .map((text) => values.reduce((rest, value) => rest.split(value).join('¤'), text))
    .join('\n');
}

const views = (i18n = en) => [
  ...toolFixtures('', i18n).map((fixture) => ({ name: fixture.tool, view: fixture.view, data: [fixture.result, fixture.args] })),
  ...extraViews('', i18n).map((extra) => ({
    ...extra,
    data: [
      extra.name,
      'limit web to 20 Mbit/s on nc0',
      'Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement',
      'Je répare les fuites',
      'execution.proposed',
      'execution.approved',
      'execution.succeeded',
      'qos_apply',
      'kernel capabilities were not probed: assuming the minimum',
      'qdisc noqueue root',
    ],
  })),
];

describe('result views in French and English', () => {
  it('builds every view in French, valid, with no English words in its fixed text', () => {
    const french = views(fr);
    assert.ok(french.length >= 15);
    for (const { name, view, data } of french) {
      assert.ok(resultViewSchema.safeParse(view).success, name);
      const text = fixedText(view, data);
      assert.doesNotMatch(text, ENGLISH, `${name}: ${text.match(ENGLISH)?.[0]} in ${JSON.stringify(text.slice(0, 400))}`);
    }
    // The word list is not vacuous: the same views in English are caught by it.
    assert.ok(views(en).filter(({ view, data }) => ENGLISH.test(fixedText(view, data))).length >= french.length - 2);
  });

  it('writes French headlines, labels and numbers', () => {
    const byName = (name: string, index = 0) => views(fr).filter((entry) => entry.name === name)[index]!.view;
    assert.equal(byName('knowledge_search').headline, '2 passages pour « fail over the core router »');
    assert.equal(byName('service_search').headline, '2 services pour « plombier près de Douala »');
    assert.equal(byName('qos_plan').headline, 'Plan QoS pour nc0 (sortie) : 3 classes, 6 commandes tc');
    assert.match(
      byName('dedup_query').headline,
      /^1\u202f200 fichiers, 5,4 Go stockés en 1,3 Go : déduplication 2,57×, compression 1,62×$/,
    );
    assert.equal(byName('net_interfaces').headline, '2 interfaces, 1 route');
    assert.equal(byName('net_snmp_poll').headline, '1 équipement interrogé, 2 interfaces, 1 constat');
    assert.equal(byName('qos_show').headline, 'nc0 : 2 classes, 42 paquets rejetés');
    assert.equal(byName('system_status').headline, 'Vigie 0.1.0 fonctionne (2 h 3 min) ; 1 boîte à outils indisponible');
    assert.equal(byName('acme.lookup').headline, 'acme.lookup a réussi');
    const check = byName('net_check');
    const targets = check.blocks.find((block) => block.type === 'table')!;
    assert.ok(targets.type === 'table');
    assert.equal(targets.title, 'Cibles');
    assert.deepEqual(
      targets.columns.map((column) => column.label),
      ['Cible', 'Adresse', 'Perte', 'Latence (moy.)', 'Gigue', 'Ports'],
    );
    assert.equal(targets.rows[0]!.ports, '22 ouvert, 443 fermé');
    assert.deepEqual(
      check.blocks.find((block) => block.type === 'badges'),
      {
        type: 'badges',
        badges: [
          { label: '1 critique', tone: 'critical' },
          { label: '1 alerte', tone: 'warning' },
          { label: '1 ok', tone: 'ok' },
        ],
      },
    );
    assert.equal(
      check.headline,
      "1 critique et 1 alerte sur 2 cibles. Le plus grave : 198.18.23.2 ne répond pas à l'ICMP — aucune réponse echo sur 5 sondes.",
    );
    const findings = check.blocks.find((block) => block.type === 'table' && block.title === 'Constats');
    assert.ok(findings?.type === 'table');
    assert.deepEqual(
      findings.columns.map((column) => column.label),
      ['Gravité', 'Constat', 'Preuve', 'Que faire'],
    );
    assert.deepEqual(findings.rows[1], {
      severity: 'alerte',
      title: 'Port 443 fermé sur 198.18.23.1',
      evidence: "connexion refusée (RST) après 0,3 ms : l'hôte répond mais rien n'écoute sur ce port",
      recommendation: 'Vérifiez que le service tourne et écoute sur cette adresse.',
    });
    const snmpFindings = byName('net_snmp_poll').blocks.find((block) => block.type === 'table' && block.title === 'Constats');
    assert.ok(snmpFindings?.type === 'table');
    assert.equal(snmpFindings.rows[0]!.evidence, 'utilisation 94 % (entrant 940 Mbit/s, sortant 120 Mbit/s)');
    const duration = check.blocks.find((block) => block.type === 'fields');
    assert.ok(duration?.type === 'fields');
    assert.match(duration.fields[0]!.value, /^2\u202f140 ms$/);
    assert.equal(
      views(fr).find((entry) => entry.name === 'audit timeline')!.view.headline,
      "Journal d'audit : 3 événements, dernier : execution.succeeded",
    );
    assert.equal(formatNumber(1234.5, fr), '1\u202f234,5');
    assert.equal(formatBytes(1_234_567, fr), '1,2 Mo');
    assert.equal(formatBytes(1_234_567), '1.2 MB');
  });

  it('keeps English the default, with real plurals', () => {
    const english = views();
    assert.deepEqual(
      english.map((entry) => entry.view),
      views(en).map((entry) => entry.view),
    );
    assert.equal(english.find((entry) => entry.name === 'knowledge_search')!.view.headline, '2 passages for “fail over the core router”');
    assert.equal(english.find((entry) => entry.name === 'net_interfaces')!.view.headline, '2 interfaces, 1 route');
    for (const { name, view, data } of english) assert.doesNotMatch(fixedText(view, data), /\((s|es)\)/, name);
  });

  it('chooses the plural form by count (1, 2 and the French many form)', () => {
    const citation = {
      marker: '[1]',
      title: 'Runbook',
      text: 'drain BGP',
      headingPath: ['Runbook'],
      startOffset: 0,
      endOffset: 9,
      sourceUrl: null,
    };
    const one = { status: 'success' as const, data: { citations: [citation] } };
    const two = { status: 'success' as const, data: { citations: [citation, { ...citation, marker: '[2]' }] } };
    assert.equal(knowledgeView({ query: 'bgp' }, one, fr)!.headline, '1 passage pour « bgp »');
    assert.equal(knowledgeView({ query: 'bgp' }, two, fr)!.headline, '2 passages pour « bgp »');
    assert.equal(knowledgeView({ query: 'bgp' }, one, en)!.headline, '1 passage for “bgp”');
    assert.equal(knowledgeView({}, two, en)!.headline, '2 passages');
    const file = { path: 'a.js', size: 10, sharedBytes: 5, sharedAtoms: 1, similarity: 0.5 };
    assert.equal(
      dedupQueryView({ query: 'similar', path: 'b.js' }, { status: 'success', data: [file] }, fr)!.headline,
      '1 fichier partage du contenu avec b.js',
    );
    assert.equal(
      dedupQueryView({ query: 'similar', path: 'b.js' }, { status: 'success', data: [file, file] }, fr)!.headline,
      '2 fichiers partagent du contenu avec b.js',
    );
    assert.equal(
      dedupQueryView({ query: 'similar', path: 'b.js' }, { status: 'success', data: [file] }, en)!.headline,
      '1 file shares content with b.js',
    );
    assert.equal(fr.t('view.knowledge.passages', { count: 1_000_000 }), '1\u202f000\u202f000 passages');
    assert.equal(fr.t('view.knowledge.passages', { count: 0 }), '0 passage');
  });

  it('passes hostile data values through unchanged (no interpolation, no nesting)', () => {
    const hostile = ' <script>alert(1)</script> <!channel> @everyone {{count}} $t(view.more) \u0000 \uD800';
    const french = toolFixtures(hostile, fr);
    const knowledge = french.find((fixture) => fixture.tool === 'knowledge_search')!.view;
    const citations = knowledge.blocks.find((block) => block.type === 'citations');
    assert.ok(citations?.type === 'citations');
    assert.equal(citations.items[0]!.title, `Core router runbook${hostile}`);
    const search = knowledgeView(
      { query: hostile },
      { status: 'success', data: { citations: [{ marker: '[1]', title: 't', text: 'x' }] } },
      fr,
    )!;
    assert.equal(search.headline, `1 passage pour « ${hostile} »`);
    const check = french.find((fixture) => fixture.tool === 'net_check')!.view;
    assert.ok(check.headline.includes(`198.18.23.2${hostile} ne répond pas à l'ICMP`), check.headline);
    const findings = check.blocks.find((block) => block.type === 'table' && block.title === 'Constats');
    assert.ok(findings?.type === 'table');
    assert.equal(findings.rows[1]!.title, `Port 443 fermé sur 198.18.23.1${hostile}`);
    const interfaces = french.find((fixture) => fixture.tool === 'net_interfaces')!.view;
    const table = interfaces.blocks[0];
    assert.ok(table?.type === 'table');
    assert.equal(table.rows[0]!.name, `eth0${hostile}`);
    const huge = knowledgeView(
      { query: 'é'.repeat(50_000) },
      { status: 'success', data: { citations: [{ marker: '[1]', title: '', text: '' }] } },
      fr,
    )!;
    assert.ok(huge.headline.length <= 300 && huge.headline.startsWith('1 passage pour « éé'));
    assert.equal(
      knowledgeView({ query: '' }, { status: 'success', data: { citations: [{ marker: '[1]', title: '', text: '' }] } }, fr)!.headline,
      '1 passage',
    );
  });

  it('generic, arguments and fallback views, withView and previews take the locale', async () => {
    assert.equal(
      genericResultView('x.y', { status: 'error', error: { code: 'boom', message: 'it broke' } }, fr).headline,
      'x.y a échoué : it broke',
    );
    assert.equal(genericResultView('x.y', { status: 'no_data' }, fr).headline, 'x.y : aucune donnée');
    const tool = {
      name: 'knowledge_search',
      description: 'Searches.',
      inputSchema: z.object({}),
      risk: 'mutate',
      minRole: 'viewer',
      timeoutMs: 1_000,
      execute: async () => ({ status: 'success', data: null }),
    } as unknown as ToolDefinition;
    const args = argumentsView(tool, {}, fr);
    assert.equal(args.headline, "knowledge_search s'exécutera avec ces arguments");
    assert.deepEqual(
      args.blocks.map((block) => (block.type === 'text' ? block.text : '')),
      ['Aucun argument.', 'Cherche dans la base de connaissances et cite les passages [n] trouvés.'],
    );
    assert.equal(
      argumentsView(tool, {}).blocks[1]!.type === 'text' && (argumentsView(tool, {}).blocks[1] as { text: string }).text,
      'Searches.',
    );
    const withLocale = withView(undefined, 'gone', {}, { status: 'success', data: { a: 1 } }, undefined, fr);
    assert.equal((withLocale.view as ResultView).headline, 'gone a réussi');
    assert.equal((withLocale.view as ResultView).locale, 'fr');
    const failing = {
      ...tool,
      preview: async () => {
        throw new Error('no route');
      },
    } as unknown as ToolDefinition;
    const preview = await previewOf(failing, { a: 1 }, { userId: 'u', userName: 'alice', role: 'operator' } as never, undefined, 1_000, fr);
    assert.equal(preview.locale, 'fr');
    assert.ok(preview.blocks.some((block) => block.type === 'text' && block.title === 'Aperçu indisponible'));
  });

  it('writes the chat line and the outcome sentence in the reader language', () => {
    const execution = {
      id: 'e1',
      tool: 'knowledge_search',
      toolset: 'core',
      riskLevel: 'read',
      arguments: {},
      status: 'succeeded',
      requesterId: 'u',
      requesterName: 'alice',
      channel: 'api',
      conversationId: null,
      approverId: null,
      decidedAt: null,
      expiresAt: null,
      startedAt: null,
      finishedAt: null,
      durationMs: 3,
      result: { status: 'success', view: { kind: 'k', headline: '2 passages pour « bgp »', tone: 'ok', blocks: [], locale: 'fr' } },
      progress: null,
      traceId: 't',
      createdAt: '2026-12-06T20:00:00.000Z',
      locale: 'fr',
    } satisfies ExecutionView;
    assert.equal(describeExecution(execution), 'knowledge_search : 2 passages pour « bgp »');
    assert.equal(
      describeExecution({ ...execution, status: 'failed', result: { status: 'error', error: { message: 'boom' } } }),
      'knowledge_search : en échec : boom.',
    );
    assert.equal(
      describeExecution({ ...execution, status: 'failed', result: { status: 'error', error: { message: 'boom' } }, locale: null }),
      'knowledge_search failed: boom.',
    );
    assert.equal(
      describeExecution({ ...execution, status: 'queued', locale: 'en' }),
      'knowledge_search is running in the background (execution e1).',
    );
    assert.equal(
      describeExecution({ ...execution, status: 'queued' }, en),
      'knowledge_search is running in the background (execution e1).',
    );
    assert.match(
      describeExecution({
        ...execution,
        status: 'pending_approval',
        riskLevel: 'disruptive',
        expiresAt: '2026-12-06T21:00:00.000Z',
        preview: { kind: 'p', headline: 'Mettra en forme nc0', tone: 'pending', blocks: [] },
      }),
      /^knowledge_search attend l'approbation d'un opérateur autre que vous \(exécution e1, expiration 2026-12-06T21:00:00.000Z\)\. L'approuver : Mettra en forme nc0\.$/,
    );
    const card = {
      id: 'e1',
      tool: 'qos_apply',
      status: 'succeeded',
      riskLevel: 'disruptive',
      requesterName: 'alice',
      deciderName: 'bob',
      view: { kind: 'k', headline: 'Appliqué', tone: 'ok' as const, blocks: [] },
    };
    assert.equal(outcomeSentence(card, fr), 'Approuvé par bob. qos_apply : Appliqué');
    assert.equal(outcomeSentence(card), 'Approved by bob. qos_apply: Appliqué');
    assert.equal(outcomeText({ ...card, status: 'denied', reason: 'not now' }, fr), 'qos_apply a été refusé par bob : not now');
    assert.equal(outcomeText({ ...card, status: 'expired' }, fr), 'qos_apply a expiré sans décision (compté comme refusé)');
    assert.equal(outcomeText({ ...card, status: 'expired' }), 'qos_apply expired without a decision (counted as denied)');
  });
});
