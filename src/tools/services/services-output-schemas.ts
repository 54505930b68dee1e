/**
 * Output schemas of the service tools: the `data` of a success (a search with no hit answers
 * `no_data` with only `understood`, so `cards` and `hits` are optional).
 */
import { z } from 'zod';

/** service_search: cards for the chat, raw hits, and how the need was understood. */
export const serviceSearchOutput = z.object({
  cards: z.array(z.object({ id: z.string(), title: z.string() })).optional(),
  hits: z.array(z.unknown()).optional(),
  understood: z.unknown().optional(),
  cached: z.boolean().optional(),
  tookMs: z.number().optional(),
});

/** service_draft: the draft built from the sentence (fields the text did not give are null). */
export const serviceDraftOutput = z.object({
  title: z.string(),
  description: z.string(),
  category: z.string().nullable(),
  priceMin: z.number().nullable(),
});

/** service_create: the stored service and the draft it came from. */
export const serviceCreateOutput = z.object({ service: z.object({ id: z.string(), title: z.string() }), draft: z.unknown() });
