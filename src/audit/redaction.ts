/**
 * Secrets never reach the audit trail: values under secret-looking keys, and strings that
 * look like our tokens, are replaced before the event is hashed and stored.
 */

const SECRET_KEY = /(pass(word|phrase)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|community)/i;
const TOKEN_VALUE = /\bvig_[A-Za-z0-9_-]{20,}\b/g;

/** A deep copy of `value` with secrets replaced by "[redacted]". */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[truncated]';
  if (typeof value === 'string') return value.replace(TOKEN_VALUE, '[redacted]');
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        SECRET_KEY.test(key) && item !== null && item !== undefined ? '[redacted]' : redactSecrets(item, depth + 1),
      ]),
    );
  }
  return value;
}
