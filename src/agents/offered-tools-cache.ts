/**
 * What a model turn offers a role — the OpenAI-format tool definitions (zod → JSON Schema
 * through LangChain), the model-name map and the system prompt — built once and reused while
 * the registry offers the same tools. Building them was the largest share of Vigie's own CPU
 * per turn. The check is exact and cheap: the offered tool objects (registry definitions are
 * immutable; an MCP refresh or a toolset going down changes the list) and the available
 * toolsets, compared by identity on every turn, so nothing stale is ever offered.
 */
import type { Role } from '../auth/roles.js';
import type { ToolDefinition } from '../tools/tool-contract.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import {
  offeredDefinitionsFor,
  modelToolDefinitionsOf,
  offeredToolNamesOf,
  type ModelToolDefinition,
  type OfferedName,
} from './langchain-tools.js';
import { buildSystemPrompt } from './system-prompt.js';

/** The tools and prompt of one role's turns. */
export interface OfferedTurnTools {
  definitions: ModelToolDefinition[];
  names: ReadonlyMap<string, OfferedName>;
  systemPrompt: string;
}

interface Entry extends OfferedTurnTools {
  tools: ToolDefinition[];
  promptKey: string;
}

/** Per-role cache of offered tools, owned by one AgentService. */
export class OfferedToolsCache {
  private readonly byRole = new Map<Role, Entry>();

  constructor(private readonly registry: ToolRegistry) {}

  /** The role's tools and prompt, rebuilt only when what the registry offers changed. */
  forRole(role: Role): OfferedTurnTools {
    const offered = offeredDefinitionsFor(this.registry, role);
    const tools = offered.map((entry) => entry.tool);
    const promptKey = this.registry
      .status()
      .map((status) => `${status.name}:${status.ok ? 1 : 0}`)
      .join(',');
    const cached = this.byRole.get(role);
    if (
      cached &&
      cached.promptKey === promptKey &&
      cached.tools.length === tools.length &&
      cached.tools.every((tool, index) => tool === tools[index])
    )
      return cached;
    const entry: Entry = {
      tools,
      promptKey,
      definitions: modelToolDefinitionsOf(offered),
      names: offeredToolNamesOf(offered),
      systemPrompt: buildSystemPrompt(this.registry),
    };
    this.byRole.set(role, entry);
    return entry;
  }
}
