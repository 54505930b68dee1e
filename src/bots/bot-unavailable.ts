/**
 * What a chat user is told when Vigie cannot reach PostgreSQL or Redis: "nothing was done,
 * retry", never the generic internal-error line, and never silence (a delivery whose dedupe
 * claim cannot reach Redis is answered, not dropped). Shared by the Slack and Discord adapters.
 */
import { t } from '../contracts/i18n.js';
import { RETRY_AFTER_SECONDS, toErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DeliveryDedupe } from './delivery-dedupe.js';

/** The reply when a dependency is down, in `locale` (English by default). */
export function retryLaterReply(locale?: unknown): string {
  return t(locale ?? 'en', 'common.retryLater', {
    seconds: RETRY_AFTER_SECONDS,
  });
}

/** The English reply when a dependency is down (Discord replies in English). */
export const RETRY_LATER_REPLY = retryLaterReply('en');

/** The English reply for anything else unexpected (details are in the logs only). */
export const INTERNAL_ERROR_REPLY = t('en', 'common.internalError');

/** True when `error` is a dependency outage (503 `unavailable`: PostgreSQL or Redis). */
export function isOutage(error: unknown): boolean {
  const { status, body } = toErrorBody(error);
  return status === 503 && body.code === 'unavailable';
}

/** The line to show a chat user for a failure that escaped the pipeline; logs it (outages at warn). */
export function failureReply(error: unknown, logger: Logger, context: Record<string, unknown>, what: string, locale?: unknown): string {
  if (isOutage(error)) {
    logger.warn({ err: (error as Error)?.message, ...context }, `${what}: a dependency is unavailable; the user was asked to retry`);
    return retryLaterReply(locale);
  }
  logger.error({ err: error, ...context }, what);
  return t(locale ?? 'en', 'common.internalError');
}

/** Claims a delivery id; `unavailable` when the claim store (Redis) cannot answer. */
export async function claimDelivery(dedupe: DeliveryDedupe, key: string, logger: Logger): Promise<'first' | 'repeat' | 'unavailable'> {
  try {
    return (await dedupe.claim(key)) ? 'first' : 'repeat';
  } catch (error) {
    logger.warn({ err: (error as Error).message, key }, 'delivery dedupe unavailable; the user is asked to retry');
    return 'unavailable';
  }
}
