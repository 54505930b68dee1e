/**
 * Turns a tool's JSON Schema (from zod) into the subset node-llama-cpp compiles to a GBNF
 * grammar, so a local model's tool call is always parseable JSON of the right shape. Keywords
 * the grammar cannot express (numeric ranges, patterns) are dropped here and enforced by the
 * pipeline's zod validation; optional properties become "value or null" and nulls are removed
 * from the parsed call.
 */
import type { GbnfJsonSchema } from 'node-llama-cpp';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
};

const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** Converts one JSON Schema node; unknown shapes fall back to a string. */
export function toGbnfSchema(schema: JsonSchema | undefined, depth = 0): GbnfJsonSchema {
  if (!schema || depth > 8) return { type: 'string' };
  const description = schema.description ? { description: schema.description } : {};
  if (schema.const !== undefined) return { const: schema.const as string, ...description };
  if (schema.enum) return { enum: schema.enum as string[], ...description };
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return { oneOf: variants.map((variant) => toGbnfSchema(variant, depth + 1)), ...description };
  const type = Array.isArray(schema.type) ? schema.type.filter((item) => SCALARS.has(item)) : schema.type;
  if (type === 'object' || (!type && schema.properties)) {
    const required = new Set(schema.required ?? []);
    const properties: Record<string, GbnfJsonSchema> = {};
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const converted = toGbnfSchema(property, depth + 1);
      properties[name] = required.has(name) ? converted : { oneOf: [converted, { type: 'null' }] };
    }
    return { type: 'object', properties, additionalProperties: false, ...description } as GbnfJsonSchema;
  }
  if (type === 'array') {
    return {
      type: 'array',
      items: toGbnfSchema(schema.items, depth + 1),
      ...(schema.minItems !== undefined ? { minItems: schema.minItems } : {}),
      ...(schema.maxItems !== undefined ? { maxItems: Math.min(schema.maxItems, 32) } : {}),
      ...description,
    } as GbnfJsonSchema;
  }
  if (type === 'string') {
    return {
      type: 'string',
      ...(schema.minLength !== undefined ? { minLength: schema.minLength } : {}),
      maxLength: Math.min(schema.maxLength ?? 200, 200),
      ...description,
    } as GbnfJsonSchema;
  }
  if (Array.isArray(type) && type.length > 0) return { type: type as Array<'string'>, ...description };
  if (typeof type === 'string' && SCALARS.has(type)) return { type: type as 'number', ...description };
  return { type: 'string', ...description };
}

/** Removes the nulls that stand for "optional property left out". */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== null)
        .map(([key, item]) => [key, dropNulls(item)]),
    );
  }
  return value;
}
