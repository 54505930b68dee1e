/**
 * Guardrail refusals of the network tools (nothing ran): the same error codes, HTTP statuses
 * and English messages as any AppError (REST clients and the model read those), plus a stable
 * `reason` with raw params. The tool result carries them in its error as any tool's
 * localizable refusal (`error.reason` = `network.<reason>`, `error.params`; see
 * src/contracts/error-reason.ts), so every reader's view says why in their language
 * (`reason.network.<reason>` in the catalogs).
 */
import { AppError, RateLimitedError, type ErrorDetail } from '../../errors.js';
import type { ToolError } from '../tool-contract.js';
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

/** Why a call was refused: one of the reasons, with its raw params. */
export interface Refusal {
  reason: RefusalReason;
  params: FindingParams;
}

/** The prefix of the network reasons in tool errors and the catalog (`reason.network.*`). */
export const REASON_PREFIX = 'network.';

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

/** The error of a tool result for a refused call: code and English message unchanged, plus the reason and params if it is a refusal. */
export function refusalError(error: AppError): ToolError {
  const refusal = refusalOf(error);
  return {
    code: error.code,
    message: error.message,
    ...(refusal ? { reason: `${REASON_PREFIX}${refusal.reason}`, params: refusal.params } : {}),
  };
}
