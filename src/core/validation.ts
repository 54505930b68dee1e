/**
 * zod at the boundary: every request part is parsed here and failures become one 400 shape
 * whose details carry the field path, so clients can point at the wrong field.
 */
import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import { reasonDetail } from '../contracts/validation-text.js';

/** Converts zod issues into our error details. */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix?: string): ErrorDetail[] {
  return issues.map((issue) => {
    const parts = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') parts.push(...issue.keys);
    const joined = [prefix, ...parts].filter(Boolean).join('.');
    return { path: joined || prefix || '', message: issue.message };
  });
}

/** Throws a ValidationError naming the field when `value` holds NUL, lone surrogates, `__proto__` keys or absurd nesting. */
export function assertSafeInput(value: unknown, part: string): void {
  const unsafe = findUnsafeInput(value, part);
  if (unsafe) throw new ValidationError(`Invalid ${unsafe.path}: ${unsafe.message}`, [reasonDetail(unsafe.path, unsafe.message)]);
}

/**
 * Parses `value` with `schema` or throws a ValidationError naming `part`. Unsafe text is
 * refused first (src/contracts/safe-text.ts), whatever the schema says about the field.
 */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, value: unknown, part: string): z.output<Schema> {
  assertSafeInput(value, part);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues, part);
  const first = details[0];
  throw new ValidationError(first ? `Invalid ${first.path}: ${first.message}` : `Invalid ${part}`, details);
}
