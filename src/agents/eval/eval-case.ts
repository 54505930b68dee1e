/**
 * The trajectory eval's case format (one JSON object per line of a `.jsonl` file), checked
 * with zod so a typo in a case is an error naming its line and field, never a silent pass:
 * who asks (role, channel, locale), the conversation, what the model must call (tool names
 * and argument constraints), which approvals must be requested, which tools must not run
 * unapproved (prompt-injection cases), and the scripted model's answers for the
 * deterministic run.
 */
import { z } from 'zod';
import { findUnsafeInput } from '../../contracts/safe-text.js';
import { ValidationError } from '../../errors.js';

const toolName = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'a tool name (letters, digits, _ . -)');
const text = (max: number) => z.string().min(1).max(max);

/** An argument constraint: a literal (equal, strings compared case-insensitively) or an operator. */
export const argumentConstraintSchema = z.union([
  z.string().max(500),
  z.number(),
  z.boolean(),
  z.object({ contains: z.string().min(1).max(500) }).strict(),
  z.object({ matches: z.string().min(1).max(500) }).strict(),
  z
    .object({
      oneOf: z
        .array(z.union([z.string().max(500), z.number(), z.boolean()]))
        .min(1)
        .max(20),
    })
    .strict(),
  z.object({ exists: z.boolean() }).strict(),
]);
/** An argument constraint. */
export type ArgumentConstraint = z.infer<typeof argumentConstraintSchema>;

/** One answer of the scripted model: text and/or tool calls (arguments as an object, or raw text for malformed JSON). */
export const scriptedAnswerSchema = z
  .object({
    content: z.string().max(4_000).optional(),
    toolCalls: z
      .array(
        z.object({ name: z.string().max(100), arguments: z.union([z.record(z.string(), z.unknown()), z.string().max(4_000)]) }).strict(),
      )
      .max(8)
      .optional(),
  })
  .strict();

const turnSchema = z.object({ text: text(4_000), script: z.array(scriptedAnswerSchema).max(8).optional() }).strict();

/** A tool call the model must make. */
export const expectedCallSchema = z
  .object({ tool: toolName, args: z.record(z.string().max(100), argumentConstraintSchema).optional() })
  .strict();

/** One eval case. */
export const evalCaseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -'),
    /** The toolset the case exercises (coverage is reported per toolset). */
    toolset: z.string().regex(/^[a-z0-9_]{1,50}$/),
    channel: z.enum(['console', 'api', 'slack', 'discord']),
    role: z.enum(['viewer', 'operator', 'admin']),
    locale: z.enum(['en', 'fr']),
    /** Where the injected instruction comes from, for prompt-injection cases. */
    injection: z.enum(['document', 'tool_output', 'alert']).optional(),
    /** Documents put in the knowledge base before the conversation. */
    documents: z
      .array(z.object({ title: text(300), text: text(20_000) }).strict())
      .max(5)
      .optional(),
    /** Tool runs done (and approved) by an admin before the conversation, e.g. a service listing. */
    setup: z
      .array(z.object({ tool: toolName, args: z.record(z.string(), z.unknown()) }).strict())
      .max(5)
      .optional(),
    turns: z.array(turnSchema).min(1).max(6),
    expect: z
      .object({
        calls: z.array(expectedCallSchema).max(10).default([]),
        approvals: z.array(toolName).max(10).default([]),
        /** Tools that must not run unapproved (pending, refused or denied is fine). */
        mustNotRun: z.array(toolName).max(10).default([]),
        /** Calls that must be refused by the pipeline (unknown tool, invalid or malformed arguments, role). */
        refused: z.array(toolName).max(10).default([]),
        /** A regular expression (case-insensitive) the last reply must match. */
        reply: z.string().max(500).optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.injection && value.expect.mustNotRun.length === 0)
      context.addIssue({ code: 'custom', path: ['expect', 'mustNotRun'], message: 'an injection case names the tools that must not run' });
    for (const pattern of [
      value.expect.reply,
      ...value.expect.calls.flatMap((call) =>
        Object.values(call.args ?? {}).map((constraint) =>
          typeof constraint === 'object' && 'matches' in constraint ? constraint.matches : undefined,
        ),
      ),
    ]) {
      if (pattern === undefined) continue;
      try {
        new RegExp(pattern, 'i');
      } catch {
        context.addIssue({ code: 'custom', path: ['expect'], message: `not a regular expression: ${pattern.slice(0, 60)}` });
      }
    }
  });
/** One eval case. */
export type EvalCase = z.infer<typeof evalCaseSchema>;

/** The largest cases file read. */
export const MAX_CASES_BYTES = 4 * 1024 * 1024;

/**
 * Parses a JSONL cases file: blank lines and lines starting with `#` are skipped; every other
 * line must be a valid case, and ids must be unique. Errors name the line.
 */
export function parseEvalCases(source: string): EvalCase[] {
  if (Buffer.byteLength(source) > MAX_CASES_BYTES)
    throw new ValidationError(`The cases file is above ${MAX_CASES_BYTES / 1024 / 1024} MiB`);
  const cases: EvalCase[] = [];
  const ids = new Set<string>();
  const lines = source.split('\n');
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const where = `line ${index + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (error) {
      throw new ValidationError(`${where}: not JSON (${(error as Error).message.slice(0, 120)})`);
    }
    const unsafe = findUnsafeInput(raw, 'case');
    if (unsafe) throw new ValidationError(`${where}: ${unsafe.path} ${unsafe.message}`);
    const parsed = evalCaseSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(`${where}: ${issue.path.join('.') || 'case'}: ${issue.message}`);
    }
    if (ids.has(parsed.data.id)) throw new ValidationError(`${where}: duplicate case id ${parsed.data.id}`);
    ids.add(parsed.data.id);
    cases.push(parsed.data);
  }
  if (cases.length === 0) throw new ValidationError('The cases file holds no case');
  return cases;
}
