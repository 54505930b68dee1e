/**
 * The one place errors become HTTP responses. Known errors keep their code and status;
 * body-parser failures are translated; anything else is logged with the request id and
 * answered as a masked 500.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logger.js';
import { AppError, PayloadTooLargeError, RETRY_AFTER_SECONDS, ValidationError, toErrorBody } from '../../errors.js';
import { parseAcceptLanguage } from '../../contracts/i18n.js';
import { localizedError } from './localized-error.js';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/** Client errors raised by Express or body-parser (http-errors) that carry no AppError code. */
function clientError(error: BodyParserError): AppError | null {
  const status = typeof error?.status === 'number' ? error.status : 0;
  if (status < 400 || status >= 500) return null;
  if (status === 413) return new PayloadTooLargeError('body');
  if (status === 415) return new AppError('unsupported_media_type', 415, error.message ?? 'Unsupported media type');
  if (status === 400) return new ValidationError(error.expose && error.message ? error.message : 'Malformed request');
  return new AppError('bad_request', status, error.expose && error.message ? error.message : 'Bad request');
}

function translate(error: unknown, bodyLimit: string): unknown {
  if (error instanceof AppError) return error;
  const parserError = error as BodyParserError;
  if (parserError?.type === 'entity.too.large') return new PayloadTooLargeError(bodyLimit);
  if (parserError?.type === 'entity.parse.failed') return new ValidationError('Malformed JSON body');
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 415, parserError.message ?? 'Unsupported body encoding');
  }
  // Express 5 decodes path parameters with decodeURIComponent: `%ff` throws a URIError.
  if (error instanceof URIError)
    return new ValidationError('Invalid path: bad percent-encoding', [{ path: 'path', message: 'bad percent-encoding' }]);
  return clientError(parserError) ?? error;
}

/** Express error middleware. */
export function errorHandler(logger: Logger, bodyLimit: string) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    // Coded validation details get `text` in the request's language (Accept-Language).
    const translated = localizedError(translate(error, bodyLimit), parseAcceptLanguage(request.header('accept-language')));
    const { status, body } = toErrorBody(translated);
    if (status >= 500) {
      logger.error({ err: error, requestId: request.requestId, path: request.path }, 'request failed');
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (status === 503 && !response.getHeader('retry-after')) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(status).json({ error: body });
  };
}
