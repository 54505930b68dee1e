/**
 * /api/search (one query across everything visible). The command catalog lives in command-routes.ts.
 */
import { z } from 'zod';
import { globalSearcher } from '../../actions/search.js';
import type { RouteTable } from '../http/route-table.js';
import type { RouteContext } from './route-context.js';

const searchResultsSchema = z
  .object({
    conversations: z.array(z.object({ id: z.uuid(), title: z.string(), score: z.number() })),
    messages: z.array(
      z.object({
        id: z.uuid(),
        conversationId: z.uuid(),
        role: z.string(),
        excerpt: z.string(),
        score: z.number(),
        createdAt: z.iso.datetime(),
      }),
    ),
    documents: z.array(z.object({ id: z.uuid(), title: z.string(), tags: z.array(z.string()), score: z.number(), excerpt: z.string() })),
  })
  .meta({ id: 'SearchResults' });

/** Registers the search route. */
export function searchRoutes(routes: RouteTable, { database }: RouteContext): void {
  const prisma = database.prisma;

  routes.add({
    method: 'get',
    path: '/search',
    tag: 'Search',
    summary: 'Search conversations, messages and documents at once',
    query: z.object({
      q: z.string().trim().min(1).max(500).meta({ example: 'core router' }),
      limit: z.coerce.number().int().min(1).max(50).default(10).meta({ description: 'Per kind' }),
    }),
    success: { status: 200, description: 'Hits grouped by kind', schema: searchResultsSchema },
    handler: ({ query, principal }) => globalSearcher(prisma, principal, query),
  });
}
