/**
 * Typed errors: every failure a caller can act on has a stable code and an HTTP status.
 * The REST error handler, the socket acks and the CLI all render these one way; anything
 * else is an internal error whose details are logged, never shown.
 */

import { isDependencyUnavailable } from './db/db-errors.js';

/** Retry-After (seconds) sent with 503 `unavailable` when the database or Redis is down. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Field-level detail for validation failures: the English `message`, and for argument
 * validation the issue's `code` and plain `params`, so readers get it in their language
 * (src/contracts/validation-text.ts).
 */
export interface ErrorDetail {
  path: string;
  message: string;
  code?: string;
  params?: Record<string, string | number | boolean | null | Array<string | number | boolean | null>>;
}

/** Base class: a machine-readable code, an HTTP status and optional details. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input did not match the schema (400). */
export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('validation_error', 400, message, details);
  }
}

/** No credentials, or credentials we do not recognise (401). */
export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid bearer token') {
    super('unauthorized', 401, message);
  }
}

/** Authenticated but the role does not allow it (403). */
export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this action') {
    super('forbidden', 403, message);
  }
}

/** Absent, or present but not visible to this caller (404): we never reveal which. */
export class NotFoundError extends AppError {
  constructor(resource: string) {
    super('not_found', 404, `${resource} not found`);
  }
}

/** A uniqueness or state conflict (409). */
export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', 409, message, details);
  }
}

/** Request body above BODY_LIMIT (413). */
export class PayloadTooLargeError extends AppError {
  constructor(limit: string) {
    super('payload_too_large', 413, `Request body exceeds the ${limit} limit`);
  }
}

/** Body sent with a content type we do not accept (415). */
export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = 'application/json') {
    super('unsupported_media_type', 415, `Content-Type must be ${expected}`);
  }
}

/** Caller exceeded its rate limit (429). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 429, `Too many requests, retry in ${retryAfterSeconds}s`);
  }
}

/** A dependency is saturated or down; try again later (503). */
export class UnavailableError extends AppError {
  constructor(code: string, message: string) {
    super(code, 503, message);
  }
}

/** The public shape of an error, as sent to REST clients and socket acks. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** Converts any thrown value into the public shape; a dependency down is 503 `unavailable`; other unknown errors are masked. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.details !== undefined) body.details = error.details;
    return { status: error.status, body };
  }
  if (isDependencyUnavailable(error)) {
    return {
      status: 503,
      body: {
        code: 'unavailable',
        message: `A dependency (database or Redis) is unavailable; please retry in ${RETRY_AFTER_SECONDS} seconds`,
      },
    };
  }
  return { status: 500, body: { code: 'internal_error', message: 'Internal server error' } };
}
