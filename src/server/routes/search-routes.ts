/**
 * /api/search (one query across everything visible) and /api/commands (the catalog).
 */
import { z } from 'zod';
import { globalSearcher } from '../../actions/search.js';
import type { RouteTable } from '../http/route-table.js';
import type { RouteContext } from './route-context.js';

const commandSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    parameters: z.unknown().meta({ description: 'JSON Schema of the arguments' }),
    toolset: z.string(),
    riskLevel: z.string(),
    minRole: z.enum(['viewer', 'operator', 'admin']),
    active: z.boolean(),
  })
  .meta({ id: 'Command' });

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

/** Registers search and catalog routes. */
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

  routes.add({
    method: 'get',
    path: '/commands',
    tag: 'Commands',
    summary: 'The command catalog',
    query: z.object({ includeInactive: z.enum(['true', 'false']).optional() }),
    success: { status: 200, description: 'Commands by name', schema: z.object({ data: z.array(commandSchema) }) },
    handler: async ({ query }) => {
      const rows = await prisma.command.findMany({
        where: query.includeInactive === 'true' ? {} : { active: true },
        orderBy: { name: 'asc' },
      });
      return {
        data: rows.map(({ name, description, parameters, toolset, riskLevel, minRole, active }) => ({
          name,
          description,
          parameters,
          toolset,
          riskLevel,
          minRole,
          active,
        })),
      };
    },
  });
}
