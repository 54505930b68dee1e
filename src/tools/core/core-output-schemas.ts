/**
 * Output schemas of the core tools (system_status, knowledge_search, audit_trail): the
 * `data` of a success. Extra keys pass; the keys listed are the ones callers rely on.
 */
import { z } from 'zod';

/** system_status: version, uptime, database latency, memory, load, toolset health. */
export const systemStatusOutput = z.object({
  version: z.string(),
  uptimeSeconds: z.number(),
  database: z.object({ backend: z.string(), latencyMs: z.number() }),
  memory: z.object({ rssMb: z.number(), heapUsedMb: z.number() }),
  load: z.array(z.number()),
  toolsets: z.unknown(),
});

/** knowledge_search: the cited answer and its citations. */
export const knowledgeSearchOutput = z.object({
  answer: z.string(),
  citations: z.array(z.object({ marker: z.string(), source: z.string(), documentId: z.string(), title: z.string(), text: z.string() })),
});

/** audit_trail: events, oldest first. */
export const auditTrailOutput = z.object({
  events: z.array(z.object({ createdAt: z.string(), action: z.string() })),
});
