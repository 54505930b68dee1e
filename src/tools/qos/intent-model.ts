/**
 * The local model's reading of a QoS intent (issue 11), used only when the deterministic
 * parser could not understand the text. The model answers, under a JSON-schema grammar, the
 * SAME intermediate structure the parser builds (action, application, rate strings, match
 * fields); rates go through the same units parser, clauses through the same templates and
 * policy builder, and the policy through the same validation and compiler. Nothing the model
 * says is taken on faith: every interface, rate, address, port, VLAN, DSCP and mark it
 * proposes must be written in the operator's text, or the reading is refused with the reason.
 */
import { z } from 'zod';
import type { StructuredGenerator } from '../../inference/structured-generation.js';
import { buildPolicy, combineMatches, dscpValue, type IntentClause } from './intent-parser.js';
import { templateFor } from './intent-vocabulary.js';
import { interfaceNameSchema, matchSchema, type Policy, type PolicyMatch } from './policy-model.js';
import { applicationMatches } from './templates.js';
import { humanRate, parseRate } from './units.js';

const APPLICATIONS = Object.keys(applicationMatches) as [string, ...string[]];

const modelMatchSchema = z.strictObject({
  source: z.string().max(18).nullable(),
  destination: z.string().max(18).nullable(),
  vlanId: z.number().int().nullable(),
  protocol: z.enum(['tcp', 'udp', 'icmp']).nullable(),
  sourcePort: z.number().int().nullable(),
  destinationPort: z.number().int().nullable(),
  dscp: z.number().int().nullable(),
  fwmark: z.number().int().nullable(),
});

const modelClauseSchema = z.strictObject({
  action: z.enum(['guarantee', 'limit', 'prioritise']),
  application: z.enum(APPLICATIONS).nullable(),
  /** A rate as written ("20 Mbit/s", "100M"), read by the units parser. */
  rate: z.string().max(24).nullable(),
  ceil: z.string().max(24).nullable(),
  match: z.array(modelMatchSchema).max(8),
});

/** The intermediate intent structure the model answers (the parser's clauses, with rates as text). */
export const modelIntentSchema = z.strictObject({
  interface: z.string().max(15).nullable(),
  direction: z.enum(['egress', 'ingress']),
  linkRate: z.string().max(24).nullable(),
  clauses: z.array(modelClauseSchema).min(1).max(6),
});

/** A shape-valid model answer. */
export type ModelIntent = z.output<typeof modelIntentSchema>;

/** The instructions given to the model. */
export const INTENT_SYSTEM_PROMPT =
  'You translate a network QoS request (French or English) into JSON for Linux tc. ' +
  'interface: the interface named in the text or null. direction: egress unless the text says ingress/download. ' +
  'clauses: one per request; action guarantee, limit or prioritise; application among video, voip, ssh, backups, web, dns, critical or null; ' +
  'rate and ceil exactly as written in the text (e.g. "20 Mbit/s"); match: addresses, VLAN, protocol, ports, DSCP, fwmark written in the text. ' +
  'Use null for anything the text does not say; never invent values.';

/** Parser problems that are verdicts on the input, not gaps in understanding: a model must not override them. */
const HARD_PROBLEMS = [
  /^the intent is empty$/,
  /longer than 2000 characters/,
  /byte unit/,
  /names several interfaces/,
  /is not between/,
  /is out of range/,
  /not a valid IPv4/,
  /at least 8kbit/,
  /above 400Gbit/,
  /"up to" only applies to guarantees/,
];

/** True when every problem is one of understanding (leftover words, missing action or traffic…). */
export function modelMayResolve(problems: string[]): boolean {
  return problems.length > 0 && problems.every((problem) => !HARD_PROBLEMS.some((pattern) => pattern.test(problem)));
}

/** What the model's reading became: a policy like the parser's, or why it was refused. */
export type ModelReading = { ok: true; policy: Policy; clauses: IntentClause[]; warnings: string[] } | { ok: false; problems: string[] };

function numbersIn(text: string): Set<number> {
  const found = new Set<number>();
  for (const match of text.matchAll(/0x[0-9a-f]+|\d+(?:[.,]\d+)?/giu))
    found.add(match[0].startsWith('0x') ? Number.parseInt(match[0], 16) : Number(match[0].replace(',', '.')));
  return found;
}

/**
 * Turns a shape-valid model answer into a policy, checking every value against the text.
 * Pure: unit tests feed it hand-written answers.
 */
export function policyFromModelIntent(
  intent: ModelIntent,
  text: string,
  options: { defaultInterface?: string; linkRate: number },
): ModelReading {
  const problems: string[] = [];
  const warnings: string[] = [];
  const lower = text.normalize('NFC').toLowerCase();
  const numbers = numbersIn(lower);
  const words = new Set(lower.split(/[^\p{L}\p{N}_.-]+/u).filter(Boolean));
  const dscpNames = [...lower.matchAll(/\b(ef|af[1-4][1-3]|cs[0-7])\b/gu)].map((match) => dscpValue(match[1]!));
  const grounded = (value: number) => numbers.has(value);
  const rate = (value: string, what: string): number | undefined => {
    let bits: number;
    try {
      bits = parseRate(value);
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      return undefined;
    }
    const figure = /\d+(?:[.,]\d+)?/u.exec(value)?.[0];
    if (figure === undefined || !grounded(Number(figure.replace(',', '.')))) {
      problems.push(`${what} "${value}" is not written in the intent`);
      return undefined;
    }
    return bits;
  };

  let iface = options.defaultInterface;
  if (intent.interface !== null) {
    const name = intent.interface.trim();
    if (!interfaceNameSchema.safeParse(name).success) problems.push(`interface "${name.slice(0, 20)}" is not a valid interface name`);
    else if (!words.has(name.toLowerCase()) && name !== options.defaultInterface)
      problems.push(`interface "${name}" is not named in the intent`);
    else iface = name;
  }
  if (!iface) problems.push('which interface? the text names none the model could point to');
  let linkRate = options.linkRate;
  if (intent.linkRate !== null) linkRate = rate(intent.linkRate, 'link rate') ?? linkRate;

  const clauses: IntentClause[] = [];
  intent.clauses.forEach((proposed, index) => {
    const label = `clause ${index + 1} (${proposed.action}${proposed.application ? ` ${proposed.application}` : ''})`;
    const base: PolicyMatch[] = [];
    for (const raw of proposed.match) {
      const match = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null)) as PolicyMatch;
      if (Object.keys(match).length === 0) continue;
      const checked = matchSchema.safeParse(match);
      if (!checked.success) {
        problems.push(
          `${label}: match ${JSON.stringify(match)} is invalid (${checked.error.issues.map((issue) => `${issue.path.join('.') || 'match'} ${issue.message}`).join(', ')})`,
        );
        continue;
      }
      for (const key of ['source', 'destination'] as const) {
        const address = match[key]?.split('/')[0];
        if (address !== undefined && !lower.includes(address)) problems.push(`${label}: ${key} ${match[key]} is not written in the intent`);
      }
      for (const key of ['vlanId', 'sourcePort', 'destinationPort', 'fwmark'] as const) {
        if (match[key] !== undefined && !grounded(match[key])) problems.push(`${label}: ${key} ${match[key]} is not written in the intent`);
      }
      if (match.dscp !== undefined && !grounded(match.dscp) && !dscpNames.includes(match.dscp))
        problems.push(`${label}: dscp ${match.dscp} is not written in the intent`);
      base.push(checked.data);
    }
    const application = proposed.application ?? undefined;
    const matches = combineMatches(base, application ? applicationMatches[application]!.matches : []);
    if (matches.length === 0) {
      problems.push(`${label} does not say which traffic (no application and no match written in the intent)`);
      return;
    }
    let bits = proposed.rate === null ? undefined : rate(proposed.rate, `${label} rate`);
    if (bits === undefined) {
      if (proposed.rate !== null) return;
      if (proposed.action !== 'prioritise') {
        problems.push(`${label} needs a rate`);
        return;
      }
      bits = Math.max(8_000, Math.floor(linkRate / 10));
      warnings.push(`${label} gives no rate: reserving 10% of the link (${humanRate(bits)})`);
    }
    const ceil = proposed.ceil === null ? undefined : rate(proposed.ceil, `${label} ceiling`);
    if (proposed.ceil !== null && proposed.action === 'limit') problems.push(`${label} is a limit; a ceiling only applies to guarantees`);
    const clause: IntentClause = {
      text: `${proposed.action} ${application ?? 'traffic'} ${humanRate(bits)}${ceil ? ` up to ${humanRate(ceil)}` : ''} (read by the local model)`,
      action: proposed.action,
      template: templateFor(proposed.action, application),
      rate: bits,
      matches,
    };
    if (application) clause.application = application;
    if (ceil !== undefined) clause.ceil = ceil;
    clauses.push(clause);
  });
  if (problems.length > 0) return { ok: false, problems };
  try {
    return { ok: true, policy: buildPolicy(iface!, intent.direction === 'ingress', linkRate, clauses), clauses, warnings };
  } catch (error) {
    const issues =
      error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) : [(error as Error).message];
    return { ok: false, problems: issues };
  }
}

/** The model's reading, or why there is none (model failure or refused values). */
export type InterpretResult =
  | { ok: true; policy: Policy; clauses: IntentClause[]; warnings: string[]; modelName: string; tookMs: number }
  | { ok: false; reason: string };

/** Asks the local model for the intent structure, then checks it like a parser result. */
export class IntentInterpreter {
  constructor(
    private readonly generator: StructuredGenerator,
    private readonly options: { timeoutMs: number; defaultLinkRate: number; maxTokens?: number },
  ) {}

  /** The model in use. */
  get modelName(): string {
    return this.generator.runtime.modelName;
  }

  /** Reads `text`; never throws. */
  async interpret(text: string, defaults: { defaultInterface?: string }, signal?: AbortSignal): Promise<InterpretResult> {
    const result = await this.generator.generate({
      purpose: 'qos_intent',
      schema: modelIntentSchema,
      system: INTENT_SYSTEM_PROMPT,
      user: text,
      timeoutMs: this.options.timeoutMs,
      maxTokens: this.options.maxTokens ?? 1024,
      maxInputChars: 2_000,
      ...(signal ? { signal } : {}),
    });
    if (!result.ok) {
      const what = {
        busy: 'was busy',
        timeout: 'did not answer in time',
        aborted: 'was cancelled',
        invalid_json: 'gave no complete JSON',
        invalid_schema: 'gave JSON of the wrong shape',
        error: 'failed',
      }[result.reason];
      return { ok: false, reason: `the local model ${what}: ${result.detail}` };
    }
    const reading = policyFromModelIntent(result.value, text, {
      linkRate: this.options.defaultLinkRate,
      ...(defaults.defaultInterface ? { defaultInterface: defaults.defaultInterface } : {}),
    });
    if (!reading.ok) return { ok: false, reason: `the local model's reading was refused: ${reading.problems.join('; ')}` };
    return { ...reading, modelName: this.modelName, tookMs: result.tookMs };
  }
}
