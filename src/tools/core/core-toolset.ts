/**
 * The core toolset: tools that need nothing but Vigie itself.
 */
import type { Database } from '../../db/database.js';
import { createLexicalEmbedder } from '../../inference/lexical-embedder.js';
import { KnowledgeBase } from '../../knowledge/knowledge-base.js';
import type { Toolset } from '../tool-contract.js';
import type { ToolsetStatus } from '../tool-registry.js';
import { knowledgeSearchTool } from './knowledge-search-tool.js';
import { auditTrailTool } from './audit-trail-tool.js';
import { systemStatusTool } from './system-status-tool.js';

/**
 * Builds the core toolset; `toolsetStatus` is read lazily from the registry. Without a
 * knowledge base it searches one over the built-in lexical embedder.
 */
export function coreToolset(
  database: Database,
  toolsetStatus: () => ToolsetStatus[] = () => [],
  knowledge: KnowledgeBase = new KnowledgeBase(database, createLexicalEmbedder()),
): Toolset {
  return {
    name: 'core',
    description: 'Vigie itself: status and the knowledge base',
    instructions:
      'Use knowledge_search to find runbooks before answering operational questions, and cite its passages with their [n] markers and sources.',
    tools: [systemStatusTool(database, toolsetStatus), knowledgeSearchTool(knowledge), auditTrailTool(database)],
    async checkPrerequisites() {
      return { ok: true };
    },
  };
}
