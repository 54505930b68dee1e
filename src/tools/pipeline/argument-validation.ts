/**
 * Tool arguments checked before anything is stored: size, then text the database cannot
 * hold (NUL bytes, lone UTF-16 surrogates: refused here whatever the boundary let through),
 * then the tool's own schema. Field-level details come back in the 400.
 */
import { escapeDeep } from '../../audit/audit-escape.js';
import { canonicalJson } from '../../audit/canonical-json.js';
import { findUnsafeInput } from '../../contracts/safe-text.js';
import { ValidationError } from '../../errors.js';
import type { ToolDefinition } from '../tool-contract.js';

/** Returns the parsed arguments or throws a ValidationError. */
export function validateArguments(toolName: string, schema: ToolDefinition['inputSchema'], args: unknown, maxBytes: number): unknown {
  const text = JSON.stringify(args ?? {}) ?? '{}';
  if (Buffer.byteLength(text) > maxBytes) throw new ValidationError(`Arguments of ${toolName} exceed ${maxBytes} bytes`);
  // The boundary's check first, so the 400 names the field; then the storage check as a backstop.
  const unsafe = findUnsafeInput(args ?? {}, 'args');
  if (unsafe) throw new ValidationError(`Invalid arguments for ${toolName}: ${unsafe.path} ${unsafe.message}`, [unsafe]);
  if (text.includes('\\u0000') || canonicalJson(escapeDeep(args ?? {})) !== canonicalJson(args ?? {})) {
    throw new ValidationError(`Arguments of ${toolName} contain NUL bytes or lone UTF-16 surrogates (not accepted)`);
  }
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(arguments)', message: issue.message }));
    throw new ValidationError(`Invalid arguments for ${toolName}: ${details.map((detail) => `${detail.path}: ${detail.message}`).join('; ')}`, details);
  }
  return parsed.data ?? {};
}
