/**
 * Validation errors in the reader's language: every built-in zod issue code met in Vigie's
 * schemas rendered in English (exactly zod's own words, so REST `message` does not change)
 * and in French (zod's French locale); every custom message of every tool input schema has a
 * catalog key in both languages (the schemas are walked, so a new message without a key
 * fails here); old details without a code still show their English message; hostile input
 * (NUL, lone surrogates, markup in keys, 1 MB values) gets a clear refusal with no markup.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import zodFr from 'zod/v4/locales/fr.js';
import { DomainEvents } from '../actions/domain-events.js';
import { loadConfig } from '../config.js';
import { ValidationError } from '../errors.js';
import { scheduleToolset } from '../incidents/schedule-toolset.js';
import { createToolsets } from '../../test/support/production-toolsets.js';
import { validateArguments } from '../tools/pipeline/argument-validation.js';
import { failedView } from '../tools/pipeline/failed-view.js';
import { CATALOGS, createTranslator, hasMessage } from './i18n.js';
import {
  detailsOf,
  errorText,
  issueDetails,
  MESSAGE_KEYS,
  validationSummary,
  validationText,
  type ValidationDetail,
} from './validation-text.js';
import { MAX_INPUT_DEPTH } from './safe-text.js';

const en = createTranslator('en');
const fr = createTranslator('fr');
const frLocale = zodFr().localeError;

/** The details of a failed parse (as argument validation builds them). */
function detailsFor(schema: z.ZodType, value: unknown): ValidationDetail[] {
  const parsed = schema.safeParse(value, { reportInput: true });
  assert.equal(parsed.success, false, 'the value must fail the schema');
  return issueDetails(parsed.error!.issues as never);
}

/** The tool input schemas Vigie ships (all toolsets, built without a database: schemas only). */
function toolSchemas(): Array<{ name: string; schema: z.ZodType }> {
  const config = loadConfig({ DATA_DIR: `/tmp/vigie-validation-text-${process.pid}` });
  const toolsets = [
    ...createToolsets({
      config,
      database: { prisma: {}, sql: {} } as never,
      logger: pino({ level: 'silent' }),
      audit: {} as never,
      events: new DomainEvents(),
    }),
    scheduleToolset(() => ({}) as never),
  ];
  return toolsets.flatMap((toolset) => toolset.tools.map((tool) => ({ name: tool.name, schema: tool.inputSchema as z.ZodType })));
}

/** Every custom message a schema states (schema- and check-level `error`), with the params of its check. */
function customMessages(schema: unknown): Array<{ text: string; params?: Record<string, unknown> }> {
  const found: Array<{ text: string; params?: Record<string, unknown> }> = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (typeof def.error === 'function') {
      const produced = (def.error as (issue: unknown) => unknown)({ code: 'custom', path: [], input: undefined, message: undefined });
      const text = typeof produced === 'string' ? produced : (produced as { message?: string } | undefined)?.message;
      if (text) found.push({ text, ...(def.params ? { params: def.params as Record<string, unknown> } : {}) });
    }
    for (const [name, value] of Object.entries(def)) {
      if (name === 'error' || name === 'fn' || name === 'transform') continue;
      if (name === 'getter' && typeof value === 'function') visit((value as () => unknown)());
      else if (Array.isArray(value)) value.forEach(visit);
      else if (name === 'shape' && value && typeof value === 'object') Object.values(value).forEach(visit);
      else visit(value);
    }
  };
  visit(schema);
  return found;
}

describe("validation details in the reader's language", () => {
  // One schema and one bad value per built-in code met in Vigie's schemas.
  const builtIns: Array<{ code: string; schema: z.ZodType; value: unknown }> = [
    { code: 'invalid_type', schema: z.object({ query: z.string() }), value: { query: 42 } },
    { code: 'invalid_type', schema: z.object({ targets: z.array(z.string()) }), value: {} },
    { code: 'invalid_value', schema: z.object({ scheme: z.enum(['http', 'https']) }), value: { scheme: 'ftp' } },
    { code: 'invalid_value', schema: z.object({ version: z.literal('4') }), value: { version: '3' } },
    { code: 'too_big', schema: z.object({ count: z.number().max(500) }), value: { count: 501 } },
    { code: 'too_big', schema: z.object({ ports: z.array(z.number()).max(3) }), value: { ports: [1, 2, 3, 4] } },
    { code: 'too_big', schema: z.object({ query: z.string().max(5) }), value: { query: 'abcdefgh' } },
    { code: 'too_small', schema: z.object({ query: z.string().min(1) }), value: { query: '' } },
    { code: 'too_small', schema: z.object({ count: z.number().int().min(1) }), value: { count: 0 } },
    { code: 'invalid_format', schema: z.object({ id: z.uuid() }), value: { id: 'nope' } },
    { code: 'invalid_format', schema: z.object({ address: z.ipv4() }), value: { address: '300.1.1.1' } },
    { code: 'invalid_format', schema: z.object({ path: z.string().startsWith('/') }), value: { path: 'health' } },
    { code: 'not_multiple_of', schema: z.object({ step: z.number().multipleOf(5) }), value: { step: 7 } },
    { code: 'unrecognized_keys', schema: z.object({ a: z.number() }).strict(), value: { a: 1, extra: 'x', more: 2 } },
    {
      code: 'invalid_key',
      schema: z.object({ labels: z.record(z.string().regex(/^[a-z]+$/), z.string()) }),
      value: { labels: { Bad: 'x' } },
    },
    {
      code: 'invalid_union',
      schema: z.object({ kind: z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })]) }),
      value: { kind: { type: 'c' } },
    },
  ];

  for (const { code, schema, value } of builtIns) {
    it(`${code}: English as zod writes it, French from zod's French locale`, () => {
      const parsed = schema.safeParse(value, { reportInput: true });
      assert.equal(parsed.success, false);
      const issue = parsed.error!.issues.find((candidate) => candidate.code === code)!;
      assert.ok(issue, `the schema raises ${code}`);
      const [detail] = issueDetails([issue] as never);
      assert.equal(detail!.code, code);
      assert.equal(detail!.message, issue.message, 'the English message is unchanged (REST compatibility)');
      assert.equal(validationText(detail!, en), issue.message);
      const french = validationText(detail!, fr);
      assert.equal(french, frLocale(issue as never), "French from zod's own locale");
      assert.notEqual(french, issue.message);
      assert.doesNotMatch(JSON.stringify(detail), /"input"/, 'the input itself is not carried');
      // Stored, read back (untrusted JSON), rendered again: the same text.
      assert.equal(validationText(detailsOf(JSON.parse(JSON.stringify([detail])))[0]!, fr), french);
    });
  }

  it('every validation.custom key is in both catalogs, French differs, and every variable is filled', () => {
    const custom = (CATALOGS.en.validation as { custom: Record<string, string> }).custom;
    const frCustom = (CATALOGS.fr.validation as { custom: Record<string, string> }).custom;
    assert.ok(Object.keys(custom).length >= 20);
    for (const key of Object.keys(custom)) {
      assert.equal(typeof frCustom[key], 'string', `fr has validation.custom.${key}`);
      const detail: ValidationDetail = { path: 'x', message: 'legacy', code: 'custom', params: { key, maximum: 64, maxBytes: 16_384 } };
      const [english, french] = [validationText(detail, en), validationText(detail, fr)];
      assert.doesNotMatch(`${english} ${french}`, /\{\{|\}\}/, key);
      assert.notEqual(english, french, `validation.custom.${key} is translated`);
    }
  });

  it('every fixed English message maps to a key whose English text is that message', () => {
    for (const [message, key] of Object.entries(MESSAGE_KEYS)) {
      assert.ok(hasMessage(`validation.custom.${key}`) && hasMessage(`validation.custom.${key}`, 'fr'), key);
      assert.equal(en.t(`validation.custom.${key}`, { maximum: 64 }), message);
    }
    assert.ok(
      MESSAGE_KEYS[`must not be nested deeper than ${MAX_INPUT_DEPTH} levels`],
      'the nesting limit message follows MAX_INPUT_DEPTH',
    );
  });

  it('every custom message of every tool input schema has a catalog key (walked: a new message without one fails)', () => {
    const schemas = toolSchemas();
    assert.ok(schemas.length >= 15, 'all toolsets are walked');
    let count = 0;
    for (const { name, schema } of schemas) {
      for (const { text, params } of customMessages(schema)) {
        count += 1;
        const key = typeof params?.key === 'string' ? params.key : MESSAGE_KEYS[text];
        assert.ok(key, `${name}: "${text}" has no catalog key (add it to MESSAGE_KEYS and validation.custom in en.json and fr.json)`);
        assert.ok(
          hasMessage(`validation.custom.${key}`) && hasMessage(`validation.custom.${key}`, 'fr'),
          `${name}: validation.custom.${key}`,
        );
      }
    }
    assert.ok(count >= 8, `custom messages found (${count})`);
  });

  it('net check: more than 64 ports, a bad port, a missing field, in English and French', () => {
    const netCheck = toolSchemas().find((tool) => tool.name === 'net_check')!.schema;
    const tooMany = detailsFor(netCheck, { targets: '198.18.0.1', ports: Array.from({ length: 100 }, (_, index) => index + 1) });
    assert.match(validationSummary(tooMany, fr), /^ports : Trop grand : tableau doit avoir <=64 éléments$/);
    const range = detailsFor(netCheck, { targets: '198.18.0.1', ports: '1-100' });
    assert.deepEqual(range[0]!.params, { key: 'portRangeTooLarge', maximum: 64 });
    assert.equal(validationSummary(range, fr), 'ports : une plage de ports doit être croissante et compter au plus 64 ports');
    const junk = detailsFor(netCheck, { targets: '198.18.0.1', ports: '22,<b>x</b>' });
    assert.equal(validationSummary(junk, fr), 'ports : ni un port (1 à 65535) ni une plage comme 8000-8010');
    assert.equal(validationSummary(junk, en), 'ports: not a port (1 to 65535) or a range like 8000-8010');
    assert.doesNotMatch(JSON.stringify(junk), /<b>/, 'the input is not echoed');
    const missing = detailsFor(netCheck, {});
    assert.equal(validationSummary(missing, fr), 'targets : Entrée invalide : tableau attendu, indéfini reçu');
  });

  it('old details without a code show their English message; errors without details keep theirs', () => {
    assert.equal(validationText({ path: 'query', message: 'Expected string, received number' }, fr), 'Expected string, received number');
    assert.equal(errorText({ message: 'Malformed JSON body' }, fr), 'Malformed JSON body');
    assert.equal(errorText({ message: 'x', details: [{ path: 'a', message: 'b' }] }, fr), 'x', 'uncoded details: the message as it was');
    assert.deepEqual(detailsOf('junk'), []);
    assert.deepEqual(detailsOf([null, 3, { path: 1 }]), []);
  });

  it('hostile input: NUL, lone surrogates, markup in keys and values, 1 MB values: a clear refusal, no markup in the text', () => {
    const schema = z.object({ query: z.string().max(500) }).strict();
    const refusal = (args: unknown, maxBytes = 16_384) => {
      try {
        validateArguments('knowledge_search', schema as never, args, maxBytes);
      } catch (error) {
        assert.ok(error instanceof ValidationError);
        return error;
      }
      assert.fail('must be refused');
    };
    const cases = [
      refusal({ query: 'a\u0000b' }),
      refusal({ query: '\uD800x' }),
      refusal({ 'a\u0000': 1 }),
      refusal({ query: 'é'.repeat(1_000_000) }),
      refusal({ query: 'x'.repeat(501) }, 4 * 1024 * 1024),
      refusal({ query: 'ok', '<script>alert(1)</script>': 1, '<@U123>': 2, '&amp;': 3 }),
      refusal({ query: '<img src=x onerror=alert(1)>'.repeat(30) }, 4 * 1024 * 1024),
    ];
    for (const error of cases) {
      const details = detailsOf(error.details);
      assert.ok(details.length > 0 && details.every((detail) => detail.code), error.message);
      for (const i18n of [en, fr]) {
        const text = `${errorText(error, i18n)} ${failedView(
          'knowledge_search',
          { code: error.code, message: error.message, details: error.details },
          i18n,
        )
          .blocks.map((block) => JSON.stringify(block))
          .join(' ')}`;
        assert.doesNotMatch(text, /<script|<img|<@U|&amp;|[\uD800-\uDFFF]/u, text.slice(0, 200));
        assert.ok(!text.includes(String.fromCharCode(0)), 'no NUL');
        assert.ok(text.length < 5_000);
      }
    }
    assert.match(errorText(cases[0]!, fr), /^Arguments invalides : args\.query : ne doit pas contenir de caractère NUL$/);
    assert.match(errorText(cases[3]!, fr), /les arguments dépassent 16384 octets/);
    assert.equal(
      errorText(cases[5]!, fr),
      'Arguments invalides : (arguments) : Clés non reconnues : "?script?alert?1???script?", "??U123?", "?amp?"',
    );
  });
});
