/**
 * Hostile requests generated from /openapi.json: every operation gets wrong types, huge and
 * empty strings, NUL, lone surrogates, bad percent-encoding, deep nesting, `__proto__` keys,
 * bad limits, cursors and ids, wrong content types and bogus content encodings. Used by the
 * REST fuzz test; deterministic (seeded) so a failure can be replayed.
 */
import http from 'node:http';

/** One request to send, with a label naming the operation and the mutation. */
export interface FuzzCase {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Sent with the viewer token instead of the admin one. */
  asViewer?: boolean;
}

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query'; schema: Schema }>;
  body?: Schema;
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let index = 0; index < levels; index += 1) value = { nested: value };
  return value;
}

/** Values that are wrong for (almost) any field. */
export const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['empty', ''],
  ['huge', 'x'.repeat(70_000)],
  ['nul', 'a\u0000b'],
  ['lone-high', 'a\ud800b'],
  ['lone-low', '\udc00'],
  ['percent', '%ff%fe'],
  ['traversal', '../../../../etc/passwd'],
  ['js-url', 'javascript:alert(1)'],
  ['negative', -1],
  ['huge-number', 1e308],
  ['float', 0.5],
  ['true', true],
  ['null', null],
  ['array', ['a\u0000', 1]],
  ['object', { a: 1 }],
  ['deep', deep(60)],
  ['proto', JSON.parse('{"__proto__":{"polluted":true}}')],
];

/** Query-string values (already encoded). */
const HOSTILE_QUERY: string[] = [
  '',
  'x'.repeat(10_000),
  '%00',
  'a%00b',
  '%ff%fe',
  '%ED%A0%80',
  '%uD800',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'NaN',
  'Infinity',
  'true',
  '[]',
  '%5B%5D',
  '!!!notacursor',
  'eyJpZCI6Ij8ifQ',
  'AAAA%3D%3D%3D',
  '2026-13-45T99:99:99Z',
];

/** Path-parameter values (already encoded). */
const HOSTILE_IDS: string[] = [
  '%ff%fe',
  '%ED%A0%80',
  '%00',
  'a%00b',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f',
  'x'.repeat(3_000),
  '..%2F..%2Fetc',
  '%2e%2e',
  '-1',
  '%F0%9F%98%80',
  '__proto__',
  'constructor',
  '%',
];

const CONTENT_TYPE_CASES: Array<[string, Record<string, string>]> = [
  ['text-plain', { 'content-type': 'text/plain' }],
  ['form', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['multipart-no-boundary', { 'content-type': 'multipart/form-data' }],
  ['multipart-bad-boundary', { 'content-type': 'multipart/form-data; boundary=zzz' }],
  ['no-content-type', {}],
  ['json-utf7', { 'content-type': 'application/json; charset=utf-7' }],
  ['gzip-plain', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
  ['deflate-plain', { 'content-type': 'application/json', 'content-encoding': 'deflate' }],
  ['br-plain', { 'content-type': 'application/json', 'content-encoding': 'br' }],
  ['bogus-encoding', { 'content-type': 'application/json', 'content-encoding': 'x-bogus' }],
  ['double-encoding', { 'content-type': 'application/json', 'content-encoding': 'gzip, identity' }],
];

function resolve(document: Schema, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(document, document.components.schemas[String(schema.$ref).split('/').pop()!]);
  return schema;
}

/** A plausible value for `schema`: its example, else one built from its shape. */
function sample(document: Schema, raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(document, raw);
  if (schema.example !== undefined) return schema.example;
  if (depth > 4) return null;
  const options = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (options?.length) return sample(document, options[0], depth + 1);
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, sample(document, value as Schema, depth + 1)]),
      );
    case 'array':
      return [sample(document, schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'uuid') return '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f';
      if (schema.format === 'date-time') return '2026-11-22T08:00:00.000Z';
      return 'sample';
    default:
      return 'sample';
  }
}

/** Operations of the document, with parameters and JSON body schema. */
export function operationsOf(document: Schema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        params: (operation.parameters ?? []).map((parameter: Schema) => ({
          name: parameter.name,
          in: parameter.in,
          schema: parameter.schema ?? {},
        })),
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

function fillPath(operation: Operation, document: Schema, override?: [string, string]): string {
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (override && override[0] === name) return override[1];
    const parameter = operation.params.find((candidate) => candidate.name === name);
    return encodeURIComponent(String(sample(document, parameter?.schema) ?? 'x'));
  });
}

/** Every deterministic hostile case of one operation. */
export function casesFor(document: Schema, operation: Operation): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const json = { 'content-type': 'application/json' };
  const base = operation.body ? (sample(document, operation.body) as Record<string, unknown>) : undefined;
  const baseBody = base === undefined ? undefined : JSON.stringify(base);
  const add = (label: string, path: string, extra: Partial<FuzzCase> = {}) =>
    cases.push({
      label: `${operation.method} ${operation.path} ${label}`,
      method: operation.method,
      path,
      headers: baseBody ? json : {},
      ...(baseBody ? { body: baseBody } : {}),
      ...extra,
    });
  const path = fillPath(operation, document);
  for (const parameter of operation.params.filter((candidate) => candidate.in === 'path')) {
    for (const id of HOSTILE_IDS) add(`path.${parameter.name}=${id.slice(0, 20)}`, fillPath(operation, document, [parameter.name, id]));
  }
  const queryNames = [
    ...operation.params.filter((candidate) => candidate.in === 'query').map((candidate) => candidate.name),
    '__proto__',
    'unknownField',
  ];
  for (const name of queryNames) {
    for (const value of HOSTILE_QUERY) add(`query.${name}=${value.slice(0, 20)}`, `${path}?${name}=${value}`);
    add(`query.${name} repeated`, `${path}?${name}=a&${name}=b`);
    add(`query.${name}[bracket]`, `${path}?${name}[a]=1&${name}[__proto__]=x`);
  }
  if (operation.body) {
    const fields = Object.keys(base && typeof base === 'object' ? base : {});
    for (const field of [...fields, '__proto__', 'unknownField']) {
      for (const [label, value] of HOSTILE_VALUES) {
        const text = JSON.stringify({ ...base, [field]: '__VALUE__' }).replace('"__VALUE__"', JSON.stringify(value));
        add(`body.${field}=${label}`, path, { body: text, headers: json });
      }
    }
    for (const [label, text] of [
      ['array', '[1,2,3]'],
      ['string', '"a\\u0000"'],
      ['number', '12'],
      ['null', 'null'],
      ['empty-object', '{}'],
      ['empty', ''],
      ['malformed', '{"a":'],
      ['deep-array', '['.repeat(5_000) + ']'.repeat(5_000)],
      ['deep-object', '{"a":'.repeat(3_000) + '1' + '}'.repeat(3_000)],
      ['proto-top', '{"__proto__":{"isAdmin":true}}'],
      ['invalid-utf8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ['too-large', JSON.stringify({ ...base, pad: 'x'.repeat(1_200_000) })],
    ] as Array<[string, string | Buffer]>) {
      add(`body:${label}`, path, { body: text, headers: json });
    }
    for (const [label, headers] of CONTENT_TYPE_CASES) add(`content:${label}`, path, { body: baseBody ?? '{}', headers });
  } else {
    add('unexpected-body', path, { body: '{"a":"\\u0000"}', headers: json });
    add('unexpected-gzip', path, { body: 'not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
  }
  return cases;
}

/** Mixed random cases: several mutations at once, some as a viewer. */
export function randomCases(document: Schema, operations: Operation[], count: number, random: () => number): FuzzCase[] {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const cases: FuzzCase[] = [];
  while (cases.length < count) {
    const operation = pick(operations);
    const all = casesFor(document, operation);
    const chosen = pick(all);
    const query = `${chosen.path.includes('?') ? '&' : '?'}limit=${pick(HOSTILE_QUERY)}&cursor=${pick(HOSTILE_QUERY)}`;
    cases.push({ ...chosen, label: `${chosen.label} +random`, path: chosen.path + query, asViewer: random() < 0.3 });
  }
  return cases;
}

/** Sends one raw request (exact path bytes, exact headers) and returns status and body text. */
export function rawRequest(
  baseUrl: string,
  token: string,
  request: FuzzCase,
  agent: http.Agent,
): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string | number> = { ...request.headers, authorization: `Bearer ${token}` };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    const outgoing = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    // A request the server never answers is a failure of its own, reported with its label.
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`no answer in 30 s`)));
    outgoing.end(request.body);
  });
}
