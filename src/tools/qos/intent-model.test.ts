/**
 * The model's reading of QoS intents on hand-written model answers, through the real code:
 * zod shape check, units parser, grounding in the operator's text, templates, policy
 * builder, validation and compiler. A valid reading gives the same policy the parser gives
 * for the equivalent phrasing; anything invented or invalid is refused with the parser's
 * message plus the model's reason; text the parser reads never reaches the model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StructuredGenerator,
  validateStructured,
  type StructuredRequest,
  type StructuredResult,
} from '../../inference/structured-generation.js';
import { assumedCapabilities } from './capabilities.js';
import { IntentInterpreter, modelIntentSchema, modelMayResolve, policyFromModelIntent, type ModelIntent } from './intent-model.js';
import { IntentParseError, parseIntent } from './intent-parser.js';
import { MODEL_REVIEW_WARNING, planIntent } from './intent-planning.js';
import { QosEngine } from './qos-engine.js';
import { createMemoryQosStore } from './qos-store.js';
import { createCommandRunner, type RunnerStatistics } from './tc-runner.js';

type Clause = ModelIntent['clauses'][number];
const NO_MATCH = {
  source: null,
  destination: null,
  vlanId: null,
  protocol: null,
  sourcePort: null,
  destinationPort: null,
  dscp: null,
  fwmark: null,
};
const clause = (fields: Partial<Clause>): Clause => ({
  action: 'guarantee',
  application: null,
  rate: null,
  ceil: null,
  match: [],
  ...fields,
});
const intent = (clauses: Clause[], fields: Partial<ModelIntent> = {}): ModelIntent => ({
  interface: 'eth1',
  direction: 'egress',
  linkRate: null,
  clauses,
  ...fields,
});
const read = (answer: ModelIntent, text: string, defaultInterface?: string) =>
  policyFromModelIntent(answer, text, { linkRate: 1e9, ...(defaultInterface ? { defaultInterface } : {}) });

function problemsOf(text: string): string[] {
  try {
    parseIntent(text);
  } catch (error) {
    if (error instanceof IntentParseError) return error.problems;
  }
  return [];
}

/** A generator whose "model" answers a fixed, hand-written JSON value (validated by the real code). */
class ScriptedGenerator extends StructuredGenerator {
  calls = 0;
  constructor(private readonly answer: unknown) {
    super({ modelName: 'scripted', acquireSequence: () => Promise.reject(new Error('not used')) });
  }
  override async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
    this.calls += 1;
    return validateStructured(request.schema, this.answer, JSON.stringify(this.answer), 1);
  }
}

describe('QoS intents read by a model: validation', () => {
  it('lets the model help only with text the parser did not understand', () => {
    assert.equal(modelMayResolve(problemsOf('please make sure the visio gets 20 Mbit/s on eth1')), true);
    assert.equal(modelMayResolve(problemsOf('make it fast on eth1')), true);
    assert.equal(modelMayResolve(problemsOf('guarantee 20 Mbit/s for video')), true); // which interface? (grounding decides)
    for (const hard of [
      '',
      'limit ssh to 5 MB/s on eth1',
      'limit port 70000 to 5M on eth1',
      'limit traffic from 300.1.1.1 to 5M on eth1',
      'limit ssh to 5M on eth1 and on eth2',
      'limit ssh to 1 kbit on eth1',
    ]) {
      const problems = problemsOf(hard);
      assert.ok(problems.length > 0, hard);
      assert.equal(modelMayResolve(problems), false, `${hard}: ${problems.join('; ')}`);
    }
  });

  it('compiles a valid reading to the policy the parser gives for the same request', () => {
    const reading = read(
      intent([clause({ application: 'video', rate: '20 Mbit/s' })]),
      'please make sure the visio gets 20 Mbit/s on eth1',
    );
    assert.ok(reading.ok, reading.ok ? '' : reading.problems.join('; '));
    assert.deepEqual(reading.policy, parseIntent('guarantee 20 Mbit/s for video on eth1').policy);
    assert.equal(reading.clauses[0]?.template, 'video');
    assert.match(reading.clauses[0]?.text ?? '', /read by the local model/);

    const limited = read(
      intent([clause({ action: 'limit', application: 'backups', rate: '50M', match: [{ ...NO_MATCH, source: '198.19.1.0/24' }] })]),
      'keep the backups of 198.19.1.0/24 under 50M on eth1',
    );
    assert.ok(limited.ok, limited.ok ? '' : limited.problems.join('; '));
    assert.deepEqual(limited.policy, parseIntent('limit backups from 198.19.1.0/24 to 50M on eth1').policy);

    const ingress = read(
      intent([clause({ action: 'limit', rate: '5 Mbit/s', match: [{ ...NO_MATCH, protocol: 'tcp', destinationPort: 8080 }] })], {
        direction: 'ingress',
        interface: null,
      }),
      'downloads to port 8080 should stay below 5 Mbit/s',
      'eth1',
    );
    assert.ok(ingress.ok, ingress.ok ? '' : ingress.problems.join('; '));
    assert.equal(ingress.policy.direction, 'ingress');
    assert.equal(ingress.policy.interface, 'eth1');
  });

  it('accepts a DSCP named in the text and reserves 10% for an unrated priority, with a warning', () => {
    const reading = read(
      intent([clause({ action: 'prioritise', match: [{ ...NO_MATCH, dscp: 46 }] })], { linkRate: '100 Mbit' }),
      'faire passer EF en premier sur eth1, lien 100 Mbit',
    );
    assert.ok(reading.ok, reading.ok ? '' : reading.problems.join('; '));
    assert.equal(reading.policy.linkRate, 100e6);
    assert.equal(reading.clauses[0]?.rate, 10e6);
    assert.match(reading.warnings[0] ?? '', /reserving 10% of the link/);
  });

  it('refuses every value the text does not contain', () => {
    const text = 'please make sure the visio gets 20 Mbit/s on eth1';
    const cases: [ModelIntent, RegExp][] = [
      [intent([clause({ application: 'video', rate: '30 Mbit/s' })]), /rate "30 Mbit\/s" is not written in the intent/],
      [intent([clause({ application: 'video', rate: '20 Mbit/s' })], { interface: 'eth9' }), /interface "eth9" is not named in the intent/],
      [
        intent([clause({ application: 'video', rate: '20 Mbit/s', match: [{ ...NO_MATCH, destination: '198.19.9.9' }] })]),
        /destination 198\.19\.9\.9 is not written/,
      ],
      [
        intent([clause({ application: 'video', rate: '20 Mbit/s', match: [{ ...NO_MATCH, protocol: 'tcp', destinationPort: 443 }] })]),
        /destinationPort 443 is not written/,
      ],
      [intent([clause({ application: 'video', rate: '20 Mbit/s', match: [{ ...NO_MATCH, vlanId: 7 }] })]), /vlanId 7 is not written/],
      [intent([clause({ application: 'video', rate: '20 Mbit/s', match: [{ ...NO_MATCH, dscp: 34 }] })]), /dscp 34 is not written/],
      [intent([clause({ application: 'video', rate: '20 Mbit/s', ceil: '40 Mbit/s' })]), /ceiling "40 Mbit\/s" is not written/],
      [intent([clause({ application: 'video', rate: '20 Mbit/s' })], { interface: null }), /which interface\?/],
    ];
    for (const [answer, expected] of cases) {
      const reading = read(answer, text);
      assert.equal(reading.ok, false, expected.source);
      if (!reading.ok) assert.match(reading.problems.join('; '), expected);
    }
  });

  it('refuses nonsense rates, limits with a ceiling, missing rates, no traffic and invalid matches', () => {
    const text = 'do the thing with 20 and 40 and 70000 and 5000 on eth1';
    const cases: [ModelIntent, RegExp][] = [
      [intent([clause({ application: 'video', rate: '20 MB/s' })]), /byte units are ambiguous/],
      [intent([clause({ application: 'video', rate: 'fast' })]), /expected a number followed by a unit/],
      [intent([clause({ action: 'limit', application: 'backups', rate: '20M', ceil: '40M' })]), /a ceiling only applies to guarantees/],
      [intent([clause({ action: 'limit', application: 'backups' })]), /needs a rate/],
      [intent([clause({ rate: '20M' })]), /does not say which traffic/],
      [intent([clause({ rate: '20M', match: [{ ...NO_MATCH, destinationPort: 70000 }] })]), /destinationPort/],
      [intent([clause({ rate: '20M', match: [{ ...NO_MATCH, vlanId: 5000 }] })]), /vlanId/],
    ];
    for (const [answer, expected] of cases) {
      const reading = read(answer, text);
      assert.equal(reading.ok, false, JSON.stringify(answer.clauses));
      if (!reading.ok) assert.match(reading.problems.join('; '), expected);
    }
  });

  it('refuses answers of the wrong shape', () => {
    const good = intent([clause({ application: 'video', rate: '20M' })]);
    const shapes: unknown[] = [
      { ...good, clauses: [] },
      { ...good, clauses: [{ ...good.clauses[0], action: 'boost' }] },
      { ...good, clauses: [{ ...good.clauses[0], rate: 20 }] },
      { ...good, direction: 'sideways' },
      { clauses: good.clauses },
      { ...good, extra: true },
      'guarantee video',
    ];
    for (const answer of shapes) {
      const result = validateStructured(modelIntentSchema, answer, JSON.stringify(answer), 1);
      assert.equal(result.ok, false, JSON.stringify(answer));
      if (!result.ok) assert.equal(result.reason, 'invalid_schema');
    }
  });
});

describe('QoS planning with a model reading', () => {
  const statistics: RunnerStatistics = { processes: 0 };
  const engine = new QosEngine({
    runner: createCommandRunner({ namespace: 'vq-never-created', statistics }),
    store: createMemoryQosStore(),
    guardrails: { allowedInterfaces: ['eth1'], allowDefaultRouteInterface: false },
    capabilities: async () => assumedCapabilities('unit test'),
  });
  const interpreterFor = (answer: unknown) => {
    const generator = new ScriptedGenerator(answer);
    return { generator, interpreter: new IntentInterpreter(generator, { timeoutMs: 1_000, defaultLinkRate: 1e9 }) };
  };
  const visio = 'please make sure the visio gets 20 Mbit/s on eth1';

  it('plans a valid reading through the same validation and compiler, marked for review', async () => {
    const { generator, interpreter } = interpreterFor(intent([clause({ application: 'video', rate: '20 Mbit/s' })]));
    const plan = await planIntent(engine, { intent: visio }, interpreter, { live: false });
    assert.equal(generator.calls, 1);
    assert.equal(plan.interpretedBy, 'model');
    assert.equal(plan.intent, visio);
    assert.equal(plan.warnings[0], MODEL_REVIEW_WARNING);
    assert.equal(plan.interpretation?.model, 'scripted');
    assert.ok(plan.interpretation?.parserProblems.some((problem) => /did not understand/.test(problem)));
    const parsed = await planIntent(engine, { intent: 'guarantee 20 Mbit/s for video on eth1' }, null, { live: false });
    assert.equal(parsed.interpretedBy, 'parser');
    assert.equal(plan.batch, parsed.batch);
    assert.equal(statistics.processes, 0);
  });

  it('never asks the model about text the parser reads, nor about values it refused', async () => {
    const { generator, interpreter } = interpreterFor(intent([clause({ application: 'video', rate: '20 Mbit/s' })]));
    const plan = await planIntent(engine, { intent: 'guarantee 20 Mbit/s for video on eth1' }, interpreter, { live: false });
    assert.equal(plan.interpretedBy, 'parser');
    await assert.rejects(
      planIntent(engine, { intent: 'limit ssh to 5 MB/s on eth1' }, interpreter, { live: false }),
      (error: unknown) => error instanceof IntentParseError && /byte unit/.test(error.message),
    );
    assert.equal(generator.calls, 0);
  });

  it("refuses an invalid reading with the parser's message plus the model's reason", async () => {
    const { interpreter } = interpreterFor(intent([clause({ application: 'video', rate: '90 Mbit/s' })]));
    await assert.rejects(planIntent(engine, { intent: visio }, interpreter, { live: false }), (error: unknown) => {
      assert.ok(error instanceof IntentParseError);
      assert.equal(error.code, 'qos_intent_not_understood');
      assert.match(error.message, /I did not understand: "make", "sure", "gets"/);
      assert.match(
        error.message,
        /the local model's reading was refused: clause 1 \(guarantee video\) rate "90 Mbit\/s" is not written in the intent/,
      );
      return true;
    });
    const { interpreter: wrongShape } = interpreterFor({ interface: 'eth1', clauses: 'video' });
    await assert.rejects(
      planIntent(engine, { intent: visio }, wrongShape, { live: false }),
      /did not understand.*the local model gave JSON of the wrong shape/,
    );
  });

  it('refuses a reading the guardrails or the validation refuse', async () => {
    const text = 'please make sure the visio gets 2000 Mbit/s on eth1';
    const { interpreter } = interpreterFor(intent([clause({ application: 'video', rate: '2000 Mbit/s' })]));
    await assert.rejects(
      planIntent(engine, { intent: text }, interpreter, { live: false }),
      /the local model's reading was refused: .*exceed|the local model's reading was refused: .*link/i,
    );
    const { interpreter: outside } = interpreterFor(intent([clause({ application: 'video', rate: '20 Mbit/s' })], { interface: 'eth0' }));
    await assert.rejects(
      planIntent(engine, { intent: 'please make sure the visio gets 20 Mbit/s on eth0' }, outside, { live: false }),
      /the local model's reading was refused: Refused interface eth0/,
    );
  });
});
