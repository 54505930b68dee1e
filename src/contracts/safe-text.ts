/**
 * Text at the boundary: the one definition of what text Vigie accepts from outside. A NUL
 * character or a lone UTF-16 surrogate cannot be stored by PostgreSQL (text or jsonb) nor
 * hashed canonically by the audit log, so they are refused where they enter (REST, sockets,
 * tool arguments, CLI flags, bot payloads) with a 400 `validation_error` naming the field,
 * instead of failing deep inside a write. Structures nested absurdly deep and `__proto__`
 * keys are refused at the same gate.
 */
import { z } from 'zod';

/** Deepest nesting accepted in any input (objects and arrays count one level each). */
export const MAX_INPUT_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string is not acceptable text, or null when it is. */
export function unsafeTextReason(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain lone UTF-16 surrogates (invalid Unicode)';
  return null;
}

/** Why a string is not an acceptable file path (configuration, CLI flags): unsafe text or a control character; null when it is. */
export function unsafePathReason(value: string): string | null {
  const reason = unsafeTextReason(value);
  if (reason) return reason;
  for (const character of value) {
    const code = character.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return 'must not contain control characters';
  }
  return null;
}

/** A zod string that refuses NUL and lone surrogates; use it for text fields in new schemas. */
export function safeText() {
  return z.string().check((ctx) => {
    const reason = unsafeTextReason(ctx.value);
    if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value });
  });
}

/** The first problem found in an input value: where (dotted path) and why. */
export interface UnsafeInput {
  path: string;
  message: string;
}

/**
 * Walks any decoded input (JSON, query, params, socket payload, CLI options) and returns
 * the first unsafe text, key or nesting it holds. Iterative, so a hostile depth cannot
 * overflow the stack.
 */
export function findUnsafeInput(value: unknown, prefix = ''): UnsafeInput | null {
  const stack: Array<{ value: unknown; path: string[]; depth: number }> = [{ value, path: prefix ? [prefix] : [], depth: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop()!;
    const here = () => item.path.join('.') || prefix || '(input)';
    if (typeof item.value === 'string') {
      const reason = unsafeTextReason(item.value);
      if (reason) return { path: here(), message: reason };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (seen.has(item.value)) continue;
    seen.add(item.value);
    if (item.depth >= MAX_INPUT_DEPTH) return { path: here(), message: `must not be nested deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(item.value)) {
      item.value.forEach((entry, index) => stack.push({ value: entry, path: [...item.path, String(index)], depth: item.depth + 1 }));
      continue;
    }
    for (const key of Object.keys(item.value)) {
      const keyPath = [...item.path, key];
      if (key === '__proto__') return { path: keyPath.join('.'), message: 'is a reserved key' };
      const reason = unsafeTextReason(key);
      if (reason) return { path: [...item.path, JSON.stringify(key)].join('.'), message: `key ${reason}` };
      stack.push({ value: (item.value as Record<string, unknown>)[key], path: keyPath, depth: item.depth + 1 });
    }
  }
  return null;
}
