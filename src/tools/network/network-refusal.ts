/**
 * Guardrail refusals of the network tools (nothing ran): the same error codes, HTTP statuses
 * and English messages as any AppError (REST clients and the model read those), plus a stable
 * `reason` with raw params, so the tools' result views say why in the reader's language
 * (`view.network.refusal.<reason>`).
 */
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView } from '../../contracts/result-view.js';
import { AppError, RateLimitedError, type ErrorDetail } from '../../errors.js';
import type { ToolResult } from '../tool-contract.js';
import { asRecord, view } from '../view-format.js';
import type { FindingParams } from './finding-text.js';

/** Every reason a network tool refuses a call (each has catalog keys in every locale). */
export const REFUSAL_REASONS = [
  'target.syntax',
  'target.ipv6',
  'target.invalid',
  'target.outside',
  'target.unresolved',
  'target.resolvesOutside',
  'limit.targets',
  'limit.ports',
  'limit.probes',
  'limit.snmpAgents',
  'snmp.needsUser',
  'rate.limited',
] as const;

/** A reason for a refusal. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why a call was refused, as a tool result carries it (`data.refusal`). */
export interface Refusal {
  reason: RefusalReason;
  params: FindingParams;
}

/** A refusal with its reason: `validation_error` (400) or `forbidden` (403), English message unchanged. */
export class NetworkRefusal extends AppError {
  constructor(
    kind: 'validation_error' | 'forbidden',
    message: string,
    readonly reason: RefusalReason,
    readonly params: FindingParams,
    details?: ErrorDetail[],
  ) {
    super(kind, kind === 'forbidden' ? 403 : 400, message, details);
  }
}

/** The refusal an error stands for, if it is one (a rate limit is one too). */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof NetworkRefusal) return { reason: error.reason, params: error.params };
  if (error instanceof RateLimitedError) return { reason: 'rate.limited', params: { retryAfterSeconds: error.retryAfterSeconds } };
  return undefined;
}

function isReason(value: unknown): value is RefusalReason {
  return typeof value === 'string' && (REFUSAL_REASONS as readonly string[]).includes(value);
}

/** The refusal sentence in the reader's language (params are data: passed through as text). */
function refusalText(refusal: Refusal, i18n: Translator): string {
  const vars: Record<string, string | number> = {};
  for (const name of ['target', 'address', 'limit', 'got', 'retryAfterSeconds'] as const) {
    const value = refusal.params[name];
    vars[name] = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : '?';
  }
  const text = i18n.t(`view.network.refusal.${refusal.reason}`, vars);
  const more = refusal.params.more;
  return typeof more === 'number' && Number.isFinite(more) && more > 0
    ? `${text} ${i18n.t('view.network.refusal.more', { count: more })}`
    : text;
}

/** The view of a refused network call, in the reader's language; undefined for anything else. */
export function refusalView(tool: string, result: ToolResult, i18n: Translator): ResultView | undefined {
  if (result.status !== 'error') return undefined;
  const refusal = asRecord(asRecord(result.data)?.refusal);
  const params = asRecord(refusal?.params);
  if (!refusal || !isReason(refusal.reason) || !params) return undefined;
  const message = refusalText({ reason: refusal.reason, params: params as FindingParams }, i18n);
  return view('generic', i18n.t('view.generic.failed', { tool, message }), 'critical', [
    { type: 'fields', fields: [{ label: i18n.t('view.generic.errorCode'), value: result.error.code }] },
  ]);
}
