/**
 * Validation errors of a REST request in the client's language: the English `message` stays
 * (logs, existing clients), and each coded detail gains `text`, its problem written in the
 * request's locale (Accept-Language, else the user's profile) from the detail's code and
 * plain parameters (src/contracts/validation-text.ts). Any other error passes unchanged. The
 * error handler applies it to every 400 with the Accept-Language locale; /api/commands first,
 * with the profile locale as fallback.
 */
import { createTranslator, type Locale } from '../../contracts/i18n.js';
import { detailsOf, localizedDetails } from '../../contracts/validation-text.js';
import { AppError } from '../../errors.js';

/** `error` with its validation details localized for `locale`, or `error` itself. */
export function localizedError(error: unknown, locale: Locale | undefined): unknown {
  if (!(error instanceof AppError) || error.status !== 400) return error;
  // Already written for this request (a route that knows the user's profile locale).
  if (Array.isArray(error.details) && error.details.some((detail) => typeof (detail as { text?: unknown } | null)?.text === 'string'))
    return error;
  const details = detailsOf(error.details);
  if (details.length === 0 || !details.some((detail) => detail.code !== undefined)) return error;
  return new AppError(error.code, error.status, error.message, localizedDetails(details, createTranslator(locale)));
}
