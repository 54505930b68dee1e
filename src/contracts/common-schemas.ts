/**
 * Schemas shared by several routes: ids, pagination, and the page envelope.
 */
import { z } from 'zod';

/** A UUID path parameter. */
export const idParams = z.object({
  id: z.uuid({ error: 'must be a UUID' }).meta({ example: '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f' }),
});

/** Cursor pagination query. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size (1–100)', example: 20 }),
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor from the previous page' }),
});

/** Wraps an item schema in the page envelope. */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}

/** Arbitrary JSON object (context, metadata). */
export const jsonObject = z.record(z.string(), z.unknown());

/** Channels a conversation or message can come from. */
export const channelSchema = z.enum(['console', 'api', 'slack', 'discord', 'cli', 'system', 'mcp']);
