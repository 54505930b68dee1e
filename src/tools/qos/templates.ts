/**
 * Named templates: the building blocks operators ask for by name ("voice", "video",
 * "business-critical", "bulk", "fair share per host"). Each one turns a rate and a match
 * into classes and filters with the right priority, ceiling and leaf queue, so intents,
 * REST callers and tests describe the same shapes the same way.
 */
import { classId, type PolicyClass, type PolicyFilter, type PolicyMatch } from './policy-model.js';

/** The template names. */
export const templateNames = ['voice', 'video', 'business-critical', 'bulk-limit', 'fair-share', 'guarantee', 'limit', 'priority'] as const;
/** One template name. */
export type TemplateName = (typeof templateNames)[number];

/** What a template needs. */
export interface TemplateRequest {
  template: TemplateName;
  name: string;
  /** Guaranteed (or, for limits, maximum) rate in bits/s. */
  rate: number;
  /** Optional ceiling for guarantees (bits/s). */
  ceil?: number;
  matches: PolicyMatch[];
  /** Hosts that share a fair-share class equally. */
  hosts?: string[];
}

/** Where the template's classes go in the tree. */
export interface TemplateSlot {
  major: number;
  parent: string;
  /** First free minor id; the template takes as many as it needs. */
  nextMinor: number;
  /** First free filter priority. */
  nextPriority: number;
  linkRate: number;
}

/** Classes and filters a template produced. */
export interface TemplateOutput {
  classes: PolicyClass[];
  filters: PolicyFilter[];
}

interface Shape {
  priority: number;
  leaf: PolicyClass['leaf'];
  ceil: (request: TemplateRequest, slot: TemplateSlot) => number;
  classRate: (request: TemplateRequest, slot: TemplateSlot) => number;
  police?: boolean;
}

const SHAPES: Record<TemplateName, Shape> = {
  // LLQ-like: served first, never borrows, and a policer drops what exceeds the reservation.
  voice: { priority: 0, leaf: { kind: 'pfifo', limit: 64 }, ceil: (r) => r.rate, classRate: (r) => r.rate, police: true },
  video: { priority: 1, leaf: { kind: 'fq_codel' }, ceil: (r, s) => r.ceil ?? s.linkRate, classRate: (r) => r.rate },
  'business-critical': { priority: 2, leaf: { kind: 'fq_codel' }, ceil: (r, s) => r.ceil ?? s.linkRate, classRate: (r) => r.rate },
  priority: { priority: 1, leaf: { kind: 'fq_codel' }, ceil: (r, s) => r.ceil ?? s.linkRate, classRate: (r) => r.rate },
  guarantee: { priority: 3, leaf: { kind: 'fq_codel' }, ceil: (r, s) => r.ceil ?? s.linkRate, classRate: (r) => r.rate },
  // A limit guarantees little and caps at the requested rate.
  'bulk-limit': { priority: 6, leaf: { kind: 'sfq' }, ceil: (r) => r.rate, classRate: (r) => Math.max(8_000, Math.floor(r.rate / 10)) },
  limit: { priority: 5, leaf: { kind: 'sfq' }, ceil: (r) => r.rate, classRate: (r) => Math.max(8_000, Math.floor(r.rate / 10)) },
  'fair-share': { priority: 4, leaf: { kind: 'sfq' }, ceil: (r, s) => r.ceil ?? s.linkRate, classRate: (r) => r.rate },
};

/** The rate a template reserves from its parent (what validation sums). */
export function templateGuarantee(request: TemplateRequest): number {
  return SHAPES[request.template].classRate(request, { major: 1, parent: '1:', nextMinor: 1, nextPriority: 1, linkRate: request.rate });
}

/** Expands a template into classes and filters at the given slot. */
export function expandTemplate(request: TemplateRequest, slot: TemplateSlot): TemplateOutput {
  const shape = SHAPES[request.template];
  const id = classId(slot.major, slot.nextMinor);
  const rate = shape.classRate(request, slot);
  const ceil = shape.ceil(request, slot);
  const classes: PolicyClass[] = [];
  const filters: PolicyFilter[] = [];
  const hosts = request.template === 'fair-share' ? (request.hosts ?? []) : [];
  classes.push({
    id,
    parent: slot.parent,
    name: request.name,
    rate,
    ceil,
    priority: shape.priority,
    ...(hosts.length > 0 ? {} : { leaf: shape.leaf }),
    template: request.template,
  });
  let priority = slot.nextPriority;
  const targetFor = (classTarget: string, match: PolicyMatch): PolicyFilter => ({
    classId: classTarget,
    priority: priority++,
    classifier: 'u32',
    match,
    ...(shape.police ? { policeRate: request.rate } : {}),
  });
  if (hosts.length > 0) {
    // Fair share per host: one child per host, equal guarantee, all may borrow up to the ceiling.
    const share = Math.max(8_000, Math.floor(rate / hosts.length));
    hosts.forEach((host, index) => {
      const child = classId(slot.major, slot.nextMinor + 1 + index);
      classes.push({
        id: child,
        parent: id,
        name: `${request.name} ${host}`.slice(0, 64),
        rate: share,
        ceil,
        priority: shape.priority,
        leaf: { kind: 'sfq' },
        template: 'fair-share',
      });
      const base = request.matches.length > 0 ? request.matches : [{}];
      for (const match of base) filters.push(targetFor(child, { ...match, destination: host }));
    });
  } else {
    for (const match of request.matches) filters.push(targetFor(id, match));
  }
  return { classes, filters };
}

/** Minor ids a template consumes (for slot allocation). */
export function templateWidth(request: TemplateRequest): number {
  return request.template === 'fair-share' ? 1 + (request.hosts?.length ?? 0) : 1;
}

/** Well-known applications and what identifies their traffic. */
export const applicationMatches: Record<string, { template: TemplateName; matches: PolicyMatch[] }> = {
  voip: { template: 'voice', matches: [{ dscp: 46 }, { protocol: 'udp', destinationPort: 5060 }] },
  video: { template: 'video', matches: [{ dscp: 34 }] },
  ssh: {
    template: 'priority',
    matches: [
      { protocol: 'tcp', destinationPort: 22 },
      { protocol: 'tcp', sourcePort: 22 },
    ],
  },
  backups: { template: 'bulk-limit', matches: [{ protocol: 'tcp', destinationPort: 873 }, { dscp: 8 }] },
  web: {
    template: 'guarantee',
    matches: [
      { protocol: 'tcp', destinationPort: 443 },
      { protocol: 'tcp', destinationPort: 80 },
    ],
  },
  dns: { template: 'priority', matches: [{ protocol: 'udp', destinationPort: 53 }] },
  critical: { template: 'business-critical', matches: [{ dscp: 26 }] },
};
