/**
 * The QoS policy model: what an intent, a template or a REST body becomes before anything
 * is compiled. Validated with zod at every boundary so the compiler only sees sane input.
 */
import { z } from 'zod';
import { MAX_RATE_BITS } from './units.js';

/** Linux interface names: at most 15 characters, no shell or path metacharacters. */
export const interfaceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'an interface name is 1-15 letters, digits, "_", "." or "-"');

/** A tc handle or class id such as "1:" or "1:10" (hexadecimal, as tc reads them). */
export const classIdSchema = z.string().regex(/^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/, 'a class id looks like 1:10 (hexadecimal)');

const rateSchema = z
  .number()
  .int()
  .min(8_000, 'a rate must be at least 8kbit')
  .max(MAX_RATE_BITS, 'a rate above 400Gbit is not a real link');

/** A parent: a class id or the root handle ("1:"). */
export const parentIdSchema = z.string().regex(/^[0-9a-f]{1,4}:[0-9a-f]{0,4}$/, 'a parent looks like 1: or 1:1 (hexadecimal)');

/** IPv4 address or CIDR block. */
export const cidrSchema = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/, 'an IPv4 address or CIDR such as 198.19.1.0/24')
  .refine((value) => {
    const [address, prefix] = value.split('/');
    return address!.split('.').every((part) => Number(part) <= 255) && (prefix === undefined || Number(prefix) <= 32);
  }, 'octets must be 0-255 and the prefix 0-32');

/** Leaf queue disciplines a class may carry (netem only in labs). */
export const leafKinds = ['pfifo', 'fq_codel', 'sfq', 'cake', 'netem'] as const;
/** Root queue disciplines the model knows. */
export const rootKinds = ['htb', 'drr', 'hfsc'] as const;

/** What a filter matches; every field present must match (logical AND). */
export const matchSchema = z
  .strictObject({
    dscp: z.number().int().min(0).max(63).optional(),
    tos: z.number().int().min(0).max(255).optional(),
    vlanId: z.number().int().min(1).max(4094).optional(),
    source: cidrSchema.optional(),
    destination: cidrSchema.optional(),
    protocol: z.enum(['tcp', 'udp', 'icmp']).optional(),
    sourcePort: z.number().int().min(1).max(65535).optional(),
    destinationPort: z.number().int().min(1).max(65535).optional(),
    fwmark: z.number().int().min(1).max(0xffffffff).optional(),
  })
  .refine((match) => Object.keys(match).length > 0, 'a filter must match on at least one field')
  .refine((match) => match.dscp === undefined || match.tos === undefined, 'match either dscp or tos, not both');

/** One classification rule sending matching packets to a class. */
export const filterSchema = z.strictObject({
  classId: classIdSchema,
  priority: z.number().int().min(1).max(65535),
  classifier: z.enum(['u32', 'flower']).default('u32'),
  match: matchSchema,
  /** Police the matched traffic at this rate (LLQ-like voice queue); drop above it. */
  policeRate: rateSchema.optional(),
});

/** One class of the tree. */
export const classSchema = z.strictObject({
  id: classIdSchema,
  parent: parentIdSchema,
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\p{L}\p{N} _.:/-]+$/u, 'letters, digits, space and _ . : / - only'),
  /** Guaranteed rate (bits/s). */
  rate: rateSchema,
  /** Ceiling it may borrow up to (bits/s); defaults to the rate. */
  ceil: rateSchema.optional(),
  /** Bucket size in bytes. */
  burst: z
    .number()
    .int()
    .min(1_600)
    .max(64 * 1024 * 1024)
    .optional(),
  /** 0 = served first. */
  priority: z.number().int().min(0).max(7).optional(),
  quantum: z.number().int().min(1_000).max(200_000).optional(),
  leaf: z.strictObject({ kind: z.enum(leafKinds), limit: z.number().int().min(1).max(100_000).optional() }).optional(),
  /** Template this class came from, for the plan's explanation. */
  template: z.string().max(40).optional(),
});

/** A whole policy for one interface and direction. */
export const policySchema = z.strictObject({
  interface: interfaceNameSchema,
  direction: z.enum(['egress', 'ingress']).default('egress'),
  /** IFB device used for ingress shaping (created if missing). */
  ingressDevice: interfaceNameSchema.optional(),
  /** Link speed used for validation (bits/s). */
  linkRate: rateSchema,
  root: z.strictObject({
    kind: z.enum(rootKinds).default('htb'),
    handle: parentIdSchema.default('1:'),
    /** Class for unclassified traffic. */
    defaultClass: classIdSchema.optional(),
  }),
  classes: z.array(classSchema).min(1).max(4_000),
  filters: z.array(filterSchema).max(8_000).default([]),
});

/** A validated policy. */
export type Policy = z.output<typeof policySchema>;
/** A policy as written (defaults not yet filled). */
export type PolicyInput = z.input<typeof policySchema>;
/** One class. */
export type PolicyClass = z.output<typeof classSchema>;
/** One filter. */
export type PolicyFilter = z.output<typeof filterSchema>;
/** A filter's match. */
export type PolicyMatch = z.output<typeof matchSchema>;

/** "1:10" → major 1, minor 0x10. */
export function splitClassId(id: string): { major: number; minor: number } {
  const [major, minor] = id.split(':');
  return { major: Number.parseInt(major!, 16), minor: Number.parseInt(minor || '0', 16) };
}

/** Builds "major:minor" in tc's hexadecimal notation. */
export function classId(major: number, minor: number): string {
  return `${major.toString(16)}:${minor.toString(16)}`;
}

/** The root qdisc handle as tc prints it ("1:"). */
export function rootHandle(policy: Policy): string {
  return `${splitClassId(policy.root.handle).major.toString(16)}:`;
}

/** The device the class tree lives on: the interface itself, or its IFB for ingress. */
export function shapingDevice(policy: Policy): string {
  if (policy.direction === 'egress') return policy.interface;
  return policy.ingressDevice ?? `ifb-${policy.interface}`.slice(0, 15);
}
