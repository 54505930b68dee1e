/**
 * Tool arguments checked before anything is stored: size, then text the database cannot
 * hold (NUL bytes, lone UTF-16 surrogates: refused here whatever the boundary let through),
 * then the tool's own schema. Field-level details come back in the 400: the English message
 * plus each issue's code and plain parameters (src/contracts/validation-text.ts), so every
 * channel can write them in the reader's language.
 */
import { escapeDeep } from '../../audit/audit-escape.js';
import { canonicalJson } from '../../audit/canonical-json.js';
import { findUnsafeInput } from '../../contracts/safe-text.js';
import { issueDetails, reasonDetail, ROOT_PATH } from '../../contracts/validation-text.js';
import { ValidationError } from '../../errors.js';
import type { ToolDefinition } from '../tool-contract.js';

/** Returns the parsed arguments or throws a ValidationError. */
export function validateArguments(toolName: string, schema: ToolDefinition['inputSchema'], args: unknown, maxBytes: number): unknown {
  const text = JSON.stringify(args ?? {}) ?? '{}';
  if (Buffer.byteLength(text) > maxBytes) {
    throw new ValidationError(`Arguments of ${toolName} exceed ${maxBytes} bytes`, [
      {
        path: ROOT_PATH,
        message: `the arguments exceed ${maxBytes} bytes`,
        code: 'too_big',
        params: { key: 'argumentsTooLarge', maxBytes },
      },
    ]);
  }
  // The boundary's check first, so the 400 names the field; then the storage check as a backstop.
  const unsafe = findUnsafeInput(args ?? {}, 'args');
  if (unsafe)
    throw new ValidationError(`Invalid arguments for ${toolName}: ${unsafe.path} ${unsafe.message}`, [
      reasonDetail(unsafe.path, unsafe.message),
    ]);
  if (text.includes('\\u0000') || canonicalJson(escapeDeep(args ?? {})) !== canonicalJson(args ?? {})) {
    throw new ValidationError(`Arguments of ${toolName} contain NUL bytes or lone UTF-16 surrogates (not accepted)`, [
      {
        path: ROOT_PATH,
        message: 'contains NUL bytes or lone UTF-16 surrogates (not accepted)',
        code: 'custom',
        params: { key: 'unstorableText' },
      },
    ]);
  }
  // reportInput: an invalid_type issue can say what it received (only the type is kept).
  const parsed = schema.safeParse(args ?? {}, { reportInput: true });
  if (!parsed.success) {
    const details = issueDetails(parsed.error.issues as never);
    throw new ValidationError(
      `Invalid arguments for ${toolName}: ${details.map((detail) => `${detail.path}: ${detail.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data ?? {};
}
