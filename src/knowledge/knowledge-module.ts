/**
 * The knowledge capability: documents (/api/documents: upload, list, versions, delete) and
 * `vigie kb …`, over the core's one knowledge base (knowledge_search is a core tool).
 */
import { defineCapability, type Capability } from '../core/capability.js';
import { documentRoutes } from './document-routes.js';
import { registerKnowledgeCommands } from './knowledge-commands.js';

/** The knowledge capability. */
export function knowledgeCapability(): Capability {
  return defineCapability({
    name: 'knowledge',
    cliCommands: registerKnowledgeCommands,
    create(core) {
      return {
        name: 'knowledge',
        routes: (routes) => documentRoutes(routes, core),
      };
    },
  });
}
