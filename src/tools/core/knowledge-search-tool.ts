/**
 * `knowledge_search`: hybrid passage search over the knowledge base (vector + full text,
 * fused), so the agent and every channel answer from the team's runbooks with citations:
 * passages marked [1], [2]… and the list of sources with their heading path and offsets.
 */
import { knowledgeView } from './core-views.js';
import { z } from 'zod';
import { formatCitedPassages, sourceLine } from '../../knowledge/citations.js';
import type { KnowledgeBase } from '../../knowledge/knowledge-base.js';
import { defineTool, type ToolDefinition } from '../tool-contract.js';
import { knowledgeSearchOutput } from './core-output-schemas.js';

/** Builds the tool over the knowledge base. */
export function knowledgeSearchTool(knowledge: KnowledgeBase): ToolDefinition {
  return defineTool({
    name: 'knowledge_search',
    description:
      'Search the knowledge base (runbooks, documentation) and return the best matching passages with numbered citations [1], [2]… and their sources.',
    inputSchema: z
      .object({
        query: z.string().trim().min(1).max(500).describe('What to look for'),
        limit: z.coerce.number().int().min(1).max(20).default(5).describe('How many passages'),
        tag: z.string().max(100).optional().describe('Only documents with this tag'),
      })
      .strict(),
    outputSchema: knowledgeSearchOutput,
    risk: 'read',
    minRole: 'viewer',
    timeoutMs: 10_000,
    aliases: ['kb', 'search', 'knowledge', 'recherche', 'connaissances'],
    positional: ['query'],
    examples: ['kb "how do we fail over the core router?"', 'knowledge_search query="vpn outage" limit=3'],
    view: (input, result, i18n) => knowledgeView(input, result, i18n),
    async execute(input) {
      const passages = await knowledge.search({ q: input.query, k: input.limit, tags: input.tag ? [input.tag] : undefined });
      if (passages.length === 0) return { status: 'no_data', message: `No passage in the knowledge base matches "${input.query}"` };
      return {
        status: 'success',
        data: {
          answer: formatCitedPassages(passages),
          citations: passages.map((passage, index) => ({
            marker: `[${index + 1}]`,
            source: sourceLine(passage, index),
            documentId: passage.documentId,
            title: passage.title,
            sourceUrl: passage.sourceUrl,
            headingPath: passage.headingPath,
            startOffset: passage.startOffset,
            endOffset: passage.endOffset,
            score: passage.score,
            text: passage.content,
          })),
        },
      };
    },
  });
}
