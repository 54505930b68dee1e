/**
 * Zod schemas at the toolset's boundaries (REST body, agent tools, router commands). They
 * accept the loose shapes chat produces ("10.0.0.1,10.0.0.2", "ports=22,443,8000-8010")
 * and refuse anything over the hard caps; NET_* settings tighten them further at run time.
 */
import { z } from 'zod';

/** Checks a run can include. */
export const CHECK_NAMES = ['ping', 'tcp', 'dns', 'http', 'path'] as const;

/** Hard ceiling on the ports of one request, whatever NET_MAX_PORTS says. */
export const PORT_CEILING = 64;

const splitList = (value: unknown) => (typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value);

/** Expands "22,443,8000-8010" (or an array) into port numbers; refuses huge ranges up front. */
export function expandPorts(value: unknown): unknown {
  const items = typeof value === 'number' ? [String(value)] : splitList(value);
  if (!Array.isArray(items)) return value;
  const ports: number[] = [];
  for (const item of items) {
    const text = String(item).trim();
    const range = /^(\d{1,5})-(\d{1,5})$/.exec(text);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from + 1 > PORT_CEILING) return [`range ${text} is too large (at most ${PORT_CEILING} ports)`];
      for (let port = from; port <= to; port += 1) ports.push(port);
    } else if (/^\d{1,5}$/.test(text)) ports.push(Number(text));
    else return [text];
  }
  return [...new Set(ports)];
}

/**
 * The issue of a port list item that is not a port: the English message quotes it (logs,
 * REST `message`), the catalog key (`validation.custom.*`) lets readers get it in their
 * language without echoing their input.
 */
function portIssue(junk: unknown) {
  const text = String(junk);
  return text.startsWith('range ')
    ? { code: 'custom' as const, message: text, params: { key: 'portRangeTooLarge', maximum: PORT_CEILING } }
    : {
        code: 'custom' as const,
        message: `"${text.slice(0, 40)}" is not a port or a range like 8000-8010`,
        params: { key: 'portInvalid' },
      };
}

/** The target list: one string with commas or an array. */
export const targetsSchema = z.preprocess(splitList, z.array(z.string().trim().min(1).max(253)).min(1).max(1024));

/** The port list. */
export const portsSchema = z.preprocess(
  (value, context) => {
    const ports = expandPorts(value);
    const junk = Array.isArray(ports) ? ports.find((port) => typeof port === 'string') : undefined;
    if (junk !== undefined) context.addIssue(portIssue(junk));
    return ports;
  },
  z
    .array(z.number({ error: 'ports must be numbers or ranges like 8000-8010' }).int().min(1).max(65535))
    .max(PORT_CEILING, `at most ${PORT_CEILING} ports`),
);

/**
 * Model-facing variants (tool input schemas): no transforms, so every provider can turn them
 * into JSON Schema. They accept an array or the same comma/space separated string, and the
 * tool normalises with `toList` / `expandPorts` when it runs (the command router coerces too).
 */
export const targetListInput = z
  .union([
    z.array(z.string().trim().min(1).max(253)).min(1).max(1024),
    z
      .string()
      .trim()
      .min(1)
      .max(64 * 1024),
  ])
  .refine((value) => {
    const list = toList(value);
    return list.length >= 1 && list.length <= 1024 && list.every((item) => item.length <= 253);
  }, 'between 1 and 1024 targets of at most 253 characters');

/** Model-facing port list: numbers, "8000-8010" ranges, or one string of them. */
export const portListInput = z
  .union([
    z.array(z.union([z.number().int().min(1).max(65535), z.string().trim().min(1).max(11)])).max(PORT_CEILING),
    z.string().trim().min(1).max(1024),
    z.number().int().min(1).max(65535),
  ])
  .superRefine((value, context) => {
    const ports = expandPorts(value);
    const junk = Array.isArray(ports)
      ? ports.find((port) => typeof port === 'string' || (port as number) < 1 || (port as number) > 65535)
      : undefined;
    if (junk !== undefined) context.addIssue(portIssue(junk));
    else if (Array.isArray(ports) && ports.length > PORT_CEILING)
      context.addIssue({
        code: 'custom',
        message: `at most ${PORT_CEILING} ports`,
        params: { key: 'portsTooMany', maximum: PORT_CEILING },
      });
  });

/** Model-facing check list: names or one comma-separated string of them. */
export const checkListInput = z
  .union([z.array(z.enum(CHECK_NAMES)).min(1).max(CHECK_NAMES.length), z.string().trim().min(1).max(100)])
  .refine(
    (value) => {
      const list = toList(value);
      return list.length >= 1 && list.every((item) => (CHECK_NAMES as readonly string[]).includes(item));
    },
    `checks among ${CHECK_NAMES.join(', ')}`,
  );

/** A list given as an array or one comma/space separated string. */
export function toList(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? value.split(/[\s,]+/) : [...value]).map((item) => item.trim()).filter(Boolean);
}

/** Port numbers of a validated `portListInput` value. */
export function toPorts(value: string | number | ReadonlyArray<string | number>): number[] {
  const ports = expandPorts(value);
  return Array.isArray(ports) ? (ports as number[]) : [];
}

/** Tuning of a run, all optional and bounded. */
export const analysisOptionsSchema = z
  .object({
    ports: portsSchema.optional(),
    count: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'ICMP probes per target' }),
    intervalMs: z.coerce.number().int().min(10).max(5_000).optional(),
    timeoutMs: z.coerce.number().int().min(100).max(30_000).optional().meta({ description: 'Per probe' }),
    httpScheme: z.enum(['http', 'https']).optional(),
    httpPort: z.coerce.number().int().min(1).max(65535).optional(),
    httpPath: z
      .string()
      .regex(/^\/[\w\-./~%?=&]{0,200}$/, 'must be a path like /health')
      .optional(),
    maxHops: z.coerce.number().int().min(1).max(30).optional(),
    concurrency: z.coerce.number().int().min(1).max(256).optional(),
  })
  .strict();

/** POST /api/network-analysis body (the NMS endpoint's shape). */
export const analysisRequestSchema = z
  .object({
    targets: targetsSchema,
    checks: z.preprocess(splitList, z.array(z.enum(CHECK_NAMES)).min(1).max(CHECK_NAMES.length)).default(['ping', 'tcp']),
    options: analysisOptionsSchema.default({}),
  })
  .strict()
  .meta({ id: 'NetworkAnalysisRequest' });

/** A parsed analysis request. */
export type AnalysisRequest = z.output<typeof analysisRequestSchema>;
