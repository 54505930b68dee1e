/**
 * Refusals of the network tools in the reader's language: each guardrail (target syntax,
 * allowlist, name resolution, bounds, SNMP, rate limit) refuses with a reason that has its
 * sentence in both catalogs (the test walks REFUSAL_REASONS), carried in the tool result's
 * error as any tool's localizable refusal (`error.reason`, `error.params`); the English view
 * says exactly what the error message says (REST and the model keep that message); French
 * views are French; hostile targets stay text; a junk reason or params fall back to the
 * English message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTranslator, hasMessage } from '../../contracts/i18n.js';
import { AppError, RateLimitedError } from '../../errors.js';
import { genericResultView } from '../pipeline/result-views.js';
import type { ToolResult } from '../tool-contract.js';
import { NetworkAnalyzer } from './network-analyzer.js';
import { NetworkRefusal, REASON_PREFIX, REFUSAL_REASONS, refusalError, refusalOf } from './network-refusal.js';
import { networkReportView } from './network-views.js';
import { networkSettings } from './network-settings.js';
import { TargetAllowlist } from './target-allowlist.js';

const en = createTranslator('en');
const fr = createTranslator('fr');

/** The tool result network-toolset.ts makes of a refusal. */
function resultOf(error: AppError): ToolResult {
  const refusal = refusalOf(error);
  assert.ok(refusal, `${error.message} carries a reason`);
  const result: ToolResult = { status: 'error', error: refusalError(error) };
  assert.deepEqual(result.error, {
    code: error.code,
    message: error.message,
    reason: `${REASON_PREFIX}${refusal.reason}`,
    params: refusal.params,
  });
  return result;
}

/** The view the pipeline stores for a refused net_check: its own builder has none for errors, so the generic one. */
function refusalView(tool: string, result: ToolResult, i18n: ReturnType<typeof createTranslator>) {
  assert.equal(networkReportView(result, i18n), undefined);
  return genericResultView(tool, result, i18n);
}

async function refusal(work: () => Promise<unknown>): Promise<AppError> {
  const error = await work().then(
    () => assert.fail('not refused'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof AppError, String(error));
  return error;
}

describe('network refusals in French and English', () => {
  const resolver = async (name: string) =>
    ({ 'db.lab': ['10.1.2.3'], 'far.lab': ['8.8.8.8'], 'none.lab': [] as string[] })[name] ?? Promise.reject(new Error('ENOTFOUND'));
  const allowlist = new TargetAllowlist('10.0.0.0/8', resolver);
  const analyzer = new NetworkAnalyzer({
    settings: { ...networkSettings({ NET_ALLOWED_TARGETS: '10.0.0.0/8' }), maxTargets: 2, maxPorts: 2, maxProbes: 3 },
    resolver,
  });

  it('says why in the reader language for every reason, the English view matching the error message', async () => {
    const cases: Array<[AppError, string]> = [
      [await refusal(() => allowlist.resolve('')), "Une cible doit être une adresse IPv4 ou un nom d'hôte d'au plus 253 caractères"],
      [
        await refusal(() => allowlist.resolve('::1')),
        "La cible « ::1 » ressemble à une adresse IPv6 ou à un hôte:port ; seuls les adresses IPv4 et les noms d'hôte sont acceptés",
      ],
      [
        await refusal(() => allowlist.resolve('127.0.0.1; rm -rf /')),
        "La cible « 127.0.0.1; rm -rf / » n'est ni une adresse IPv4 en notation pointée ni un nom d'hôte valide",
      ],
      [await refusal(() => allowlist.resolve('192.168.1.1')), 'La cible 192.168.1.1 est hors de NET_ALLOWED_TARGETS'],
      [await refusal(() => allowlist.resolve('nowhere.lab')), 'La cible « nowhere.lab » ne se résout en aucune adresse IPv4'],
      [await refusal(() => allowlist.resolve('none.lab')), 'La cible « none.lab » ne se résout en aucune adresse IPv4'],
      [await refusal(() => allowlist.resolve('far.lab')), 'La cible « far.lab » se résout en 8.8.8.8, hors de NET_ALLOWED_TARGETS'],
      [
        await refusal(() => analyzer.admitTargets(['10.0.0.1', '10.0.0.2', '10.0.0.3'])),
        'Au plus 2 cibles par analyse (NET_MAX_TARGETS) ; demandé : 3',
      ],
      [
        await refusal(() => analyzer.analyze({ targets: ['10.0.0.1'], checks: ['tcp'], options: { ports: [1, 2, 3] } }, { userId: 'u' })),
        'Au plus 2 ports par analyse (NET_MAX_PORTS) ; demandé : 3',
      ],
      [
        await refusal(() => analyzer.analyze({ targets: ['10.0.0.1'], checks: ['ping'], options: { count: 4 } }, { userId: 'u' })),
        'Au plus 3 sondes par cible (NET_MAX_PROBES) ; demandé : 4',
      ],
      [
        new NetworkRefusal('validation_error', 'At most 32 SNMP agents per poll', 'limit.snmpAgents', { limit: 32, got: 40 }),
        'Au plus 32 agents SNMP par interrogation',
      ],
      [new NetworkRefusal('validation_error', 'SNMPv3 needs user=', 'snmp.needsUser', {}), 'SNMPv3 exige user='],
      [new RateLimitedError(7), 'Trop de demandes, réessayez dans 7 s'],
      [await refusal(() => analyzer.admitTargets(['10.0.0.1', '192.168.0.1'])), 'La cible 192.168.0.1 est hors de NET_ALLOWED_TARGETS'],
      [
        await refusal(() => analyzer.admitTargets(['192.168.0.1', '192.168.0.2'])),
        'La cible 192.168.0.1 est hors de NET_ALLOWED_TARGETS (et 1 autre cible refusée)',
      ],
    ];
    const seen = new Set<string>();
    for (const [error, french] of cases) {
      const result = resultOf(error);
      seen.add(refusalOf(error)!.reason);
      assert.equal(refusalView('net_check', result, en).headline, `net_check failed: ${error.message}`.slice(0, 300));
      assert.equal(refusalView('net_check', result, fr).headline, `net_check a échoué : ${french}`);
      assert.deepEqual(refusalView('net_check', result, fr).blocks, [
        { type: 'fields', fields: [{ label: "Code d'erreur", value: error.code }] },
      ]);
    }
    assert.deepEqual([...seen].sort(), [...REFUSAL_REASONS].sort(), 'every reason is exercised');
    for (const reason of REFUSAL_REASONS)
      for (const locale of ['en', 'fr'] as const) assert.ok(hasMessage(`reason.network.${reason}`, locale), `${locale} ${reason}`);
    // Codes and statuses are those of the errors they replace: 403 outside the allowlist, 400 otherwise.
    assert.deepEqual(
      [cases[3]![0].status, cases[3]![0].code, cases[0]![0].status, cases[0]![0].code],
      [403, 'forbidden', 400, 'validation_error'],
    );
    assert.equal(cases[14]![0].message, 'Target 192.168.0.1 is outside NET_ALLOWED_TARGETS (and 1 more refused)');
  });

  it('keeps hostile targets as text and ignores junk reasons', async () => {
    const hostile = '<b>x</b>{{count}}$t(view.more)\u0000\uD800.lab';
    const error = await refusal(() => allowlist.resolve(hostile));
    assert.ok(refusalView('net_check', resultOf(error), fr).headline.includes('<b>x</b>{{count}}$t(view.more)\u0000\uD800'));
    const junk: Array<Record<string, unknown>> = [
      {},
      { reason: 'x' },
      { reason: 'network.target.nope', params: {} },
      { reason: 'target.outside', params: { target: 'a' } },
      { reason: 'network.target.outside', params: ['x'] },
      { reason: 'network.target.outside', params: 'x' },
      { reason: '__proto__', params: {} },
      { reason: 'network.__proto__', params: {} },
      { reason: 'network.target', params: {} },
      { reason: 'network.limit.more', params: {} },
      { reason: `network.${'a'.repeat(5_000)}`, params: {} },
      { reason: 'network.target.outside\u0000', params: {} },
      { reason: 42, params: {} },
    ];
    for (const extra of junk) {
      const view = refusalView('net_check', { status: 'error', error: { code: 'x', message: 'y', ...extra } } as ToolResult, fr);
      assert.equal(view.headline, 'net_check a échoué : y', JSON.stringify(extra).slice(0, 100));
    }
    const odd = refusalView(
      'net_check',
      {
        status: 'error',
        error: { code: 'forbidden', message: 'm', reason: 'network.target.outside', params: { target: { x: 1 }, more: Number.NaN } },
      } as unknown as ToolResult,
      fr,
    );
    assert.equal(odd.headline, 'net_check a échoué : La cible ? est hors de NET_ALLOWED_TARGETS');
    const missing = refusalView(
      'net_check',
      { status: 'error', error: { code: 'forbidden', message: 'm', reason: 'network.target.resolvesOutside' } },
      fr,
    );
    assert.equal(missing.headline, 'net_check a échoué : La cible « ? » se résout en ?, hors de NET_ALLOWED_TARGETS');
    assert.equal(refusalOf(new Error('plain')), undefined);
    assert.deepEqual(refusalError(new AppError('not_found', 404, 'gone')), { code: 'not_found', message: 'gone' });
  });
});
