/**
 * The words of a network or SNMP finding. The engine records what it saw as a stable `code`
 * (`tcp.closed`, `snmp.saturated`) and raw `params` (numbers, targets, ports); the sentences
 * people read come from the catalog (`view.network.findingText.<code>.*`), written in the
 * reader's language with numbers and units in their locale. The engine renders the English
 * once, for the data (REST, the model, incidents); views render again in the reader's locale.
 */
import type { Translator } from '../../contracts/i18n.js';
import { formatBitRate, formatMs, formatNumber, formatPercent } from '../view-format.js';

/** Every kind of finding the network and SNMP engines produce (each has catalog keys in every locale). */
export const FINDING_CODES = [
  'ping.unreachable',
  'ping.loss',
  'ping.highLatency',
  'ping.highJitter',
  'ping.ok',
  'tcp.open',
  'tcp.closed',
  'tcp.filtered',
  'tcp.unreachable',
  'http.failed',
  'http.serverError',
  'http.clientError',
  'http.ok',
  'tls.expiring',
  'tls.expired',
  'tls.unverified',
  'dns.noA',
  'dns.slow',
  'path.slowHop',
  'path.incomplete',
  'path.mtu',
  'run.timedOut',
  'snmp.noAnswer',
  'snmp.saturated',
  'snmp.errors',
  'snmp.errorBurst',
  'snmp.trafficDrop',
] as const;

/** A kind of finding. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** Raw values of a finding: numbers unformatted, text as measured (targets, URLs, error messages). */
export type FindingParams = Record<string, string | number | null>;

/** The three sentences of a finding. */
export interface FindingText {
  title: string;
  evidence: string;
  recommendation: string;
}

const PREFIX = 'view.network.findingText';
const PARTS = ['title', 'evidence', 'recommendation'] as const;

/** Parameters that select the plural form of a code's sentences. */
const PLURAL_BY: Partial<Record<FindingCode, string>> = {
  'ping.unreachable': 'sent',
  'ping.loss': 'sent',
  'ping.highLatency': 'sent',
  'ping.highJitter': 'sent',
  'ping.ok': 'sent',
  'tls.expiring': 'daysLeft',
  'tls.expired': 'daysAgo',
  'path.slowHop': 'hops',
  'path.incomplete': 'hops',
};

/** Numbers that are identifiers, written as they are (no thousands separator in a port). */
const IDENTIFIERS = new Set(['port', 'status', 'hop', 'slowHop', 'ifIndex', 'pathMtu']);

/** A parameter name the sentences may use; i18next options (`lng`, `context`…) are never taken from data. */
const PARAM_NAME = /^[a-z][A-Za-z]{0,39}$/;
const RESERVED = new Set([
  'lng',
  'lngs',
  'ns',
  'context',
  'count',
  'ordinal',
  'defaultValue',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'postProcess',
  'interpolation',
  'replace',
  'keyPrefix',
  'fallbackLng',
  'nsSeparator',
  'keySeparator',
  'skipInterpolation',
]);

/** True for a known finding code (rows stored before codes existed have none). */
export function isFindingCode(value: unknown): value is FindingCode {
  return typeof value === 'string' && (FINDING_CODES as readonly string[]).includes(value);
}

/** One parameter as the reader sees it: durations, rates and ratios with their units, in the locale. */
function display(name: string, value: unknown, i18n: Translator): string {
  if (name === 'validTo' && typeof value === 'string') return i18n.date(value, { dateStyle: 'long', timeZone: 'UTC' });
  if (typeof value === 'string') return value;
  if (typeof value !== 'number' || !Number.isFinite(value)) return /address/i.test(name) ? '?' : '—';
  if (IDENTIFIERS.has(name)) return String(value);
  if (name.endsWith('Ms')) return formatMs(value, i18n);
  if (name.endsWith('BitsPerSecond')) return formatBitRate(value, i18n);
  if (name.endsWith('Ratio')) return formatPercent(value, name === 'utilisationRatio' ? 1 : 2, i18n);
  return formatNumber(value, i18n);
}

/** The variables of a code's sentences: every parameter for display, plus the optional clauses. */
function variables(code: FindingCode, params: FindingParams, i18n: Translator): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params))
    if (PARAM_NAME.test(name) && !RESERVED.has(name)) vars[name] = display(name, value, i18n);
  if (typeof params.state === 'string') {
    const key = `view.network.portState.${params.state}`;
    const word = /^[a-z]{1,20}$/.test(params.state) ? i18n.t(key) : key;
    vars.state = word === key ? params.state : word;
  }
  vars.errorText = typeof params.error === 'string' && params.error ? i18n.t(`${PREFIX}.clause.detail`, { detail: params.error }) : '';
  vars.hopText =
    typeof params.slowHop === 'number'
      ? i18n.t(`${PREFIX}.clause.hopAdds`, { hop: vars.slowHop, address: vars.slowHopAddress || '?', addedMs: vars.slowHopAddedMs })
      : '';
  const plural = PLURAL_BY[code];
  if (plural && typeof params[plural] === 'number' && Number.isFinite(params[plural])) vars.count = params[plural];
  // The recommendation names the slow hop when the path showed one (`recommendation_slowHop`).
  if (typeof params.slowHop === 'number') vars.context = 'slowHop';
  return vars;
}

/** The sentences of `code` with `params`, in the translator's language. */
export function findingText(code: FindingCode, params: FindingParams, i18n: Translator): FindingText {
  const vars = variables(code, params, i18n);
  const [title, evidence, recommendation] = PARTS.map((part) => i18n.t(`${PREFIX}.${code}.${part}`, vars));
  return { title: title!, evidence: evidence!, recommendation: recommendation! };
}

/**
 * What a reader sees of a stored finding: its code rendered in their language, or, for a
 * finding without a known code (stored before codes existed), the English it was stored with.
 */
export function describeFinding(
  finding: { code?: unknown; params?: unknown; title?: unknown; evidence?: unknown; recommendation?: unknown },
  i18n: Translator,
): FindingText {
  const params =
    finding.params && typeof finding.params === 'object' && !Array.isArray(finding.params) ? (finding.params as FindingParams) : null;
  if (isFindingCode(finding.code) && params) return findingText(finding.code, params, i18n);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return { title: text(finding.title), evidence: text(finding.evidence), recommendation: text(finding.recommendation) };
}
