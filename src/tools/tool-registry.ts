/**
 * The tool registry: built from the explicit toolset list, it answers "which tools exist,
 * which can run here, and how is each one called". The catalog (GET /api/commands, `help`,
 * the agent's tool list) is derived from it, so there is one source of truth.
 */
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ToolDefinition, Toolset } from './tool-contract.js';

/** Prerequisite status of a toolset, as shown on /health and in the catalog. */
export interface ToolsetStatus {
  name: string;
  ok: boolean;
  detail?: string | undefined;
}

/** A tool with the toolset it belongs to. */
export interface RegisteredTool {
  tool: ToolDefinition;
  toolset: Toolset;
}

/** One catalog entry. */
export interface CatalogEntry {
  name: string;
  description: string;
  parameters: unknown;
  toolset: string;
  riskLevel: string;
  minRole: 'viewer' | 'operator' | 'admin';
  active: boolean;
  aliases: string[];
  examples: string[];
  unavailableReason?: string | undefined;
}

const NAME = /^[a-z][a-z0-9_]{0,99}$/;
/** External MCP tools: `<server>.<tool>`, the server part lower-case. */
const EXTERNAL_NAME = /^[a-z][a-z0-9_-]{0,39}\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,58}$/;
const MODEL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The name a model sees: providers require ^[a-zA-Z0-9_-]+$, so `server.tool` becomes
 * `server__tool` (the LangChain adapter maps calls back through its closure).
 */
export function modelToolName(name: string): string {
  if (MODEL_NAME.test(name)) return name;
  return name
    .replace('.', '__')
    .replace(/[^a-zA-Z0-9_-]/g, '_')
    .slice(0, 64);
}

/** JSON Schema of a tool's input (for the catalog, the model and help). */
export function toolJsonSchema(tool: ToolDefinition): Record<string, unknown> {
  if (tool.jsonSchema) return tool.jsonSchema;
  try {
    return z.toJSONSchema(tool.inputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

/** Holds the toolsets and their availability. */
export class ToolRegistry {
  private readonly byName = new Map<string, RegisteredTool>();
  private readonly byLowerName = new Map<string, string>();
  private readonly byAlias = new Map<string, string>();
  private statuses = new Map<string, ToolsetStatus>();
  private readonly changeListeners = new Set<() => void>();
  readonly toolsets: Toolset[];

  constructor(toolsets: Toolset[]) {
    this.toolsets = [];
    for (const toolset of toolsets) this.add(toolset);
  }

  /**
   * Adds a built-in toolset (snake_case names; a capability module's, before the pipeline
   * starts). Aliases are re-derived in registration order: a tool name always wins over an
   * alias, and the first toolset to claim an alias keeps it.
   */
  add(toolset: Toolset): void {
    const seen = new Set<string>();
    for (const tool of toolset.tools) {
      if (!NAME.test(tool.name)) throw new Error(`Tool name ${JSON.stringify(tool.name)} must be snake_case`);
      if (this.byName.has(tool.name) || seen.has(tool.name)) throw new Error(`Tool ${tool.name} is registered twice`);
      seen.add(tool.name);
    }
    this.toolsets.push(toolset);
    for (const tool of toolset.tools) {
      this.byName.set(tool.name, { tool, toolset });
      this.byLowerName.set(tool.name, tool.name);
    }
    this.byAlias.clear();
    for (const { tool } of this.byName.values()) {
      for (const alias of tool.aliases ?? []) {
        const key = alias.trim().toLowerCase().replace(/\s+/g, ' ');
        if (!this.byName.has(key) && !this.byAlias.has(key)) this.byAlias.set(key, tool.name);
      }
    }
  }

  /**
   * Adds or replaces a toolset at run time (an external MCP server's tools, refreshed on
   * `tools/list_changed`). Its tools must be named `<server>.<tool>`; clashes are refused.
   */
  upsertToolset(toolset: Toolset): void {
    for (const tool of toolset.tools) {
      if (!EXTERNAL_NAME.test(tool.name))
        throw new Error(`Tool name ${JSON.stringify(tool.name.slice(0, 120))} must look like <server>.<tool>`);
      const existing = this.byName.get(tool.name);
      if (existing && existing.toolset.name !== toolset.name) throw new Error(`Tool ${tool.name} is registered twice`);
    }
    this.removeToolset(toolset.name, false);
    this.toolsets.push(toolset);
    for (const tool of toolset.tools) {
      this.byName.set(tool.name, { tool, toolset });
      const lower = tool.name.toLowerCase();
      if (!this.byLowerName.has(lower)) this.byLowerName.set(lower, tool.name);
    }
    this.changed();
  }

  /** Removes a run-time toolset and its tools (a deleted MCP server). */
  removeToolset(name: string, notify = true): void {
    const index = this.toolsets.findIndex((toolset) => toolset.name === name);
    if (index < 0) return;
    const [removed] = this.toolsets.splice(index, 1);
    for (const tool of removed!.tools) {
      if (this.byName.get(tool.name)?.toolset === removed) this.byName.delete(tool.name);
      const lower = tool.name.toLowerCase();
      if (this.byLowerName.get(lower) === tool.name) this.byLowerName.delete(lower);
    }
    this.statuses.delete(name);
    if (notify) this.changed();
  }

  /** Calls `listener` whenever run-time toolsets change (catalog sync, MCP list_changed). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Runs every toolset's prerequisite check (at start-up and on demand). */
  async refreshStatus(): Promise<ToolsetStatus[]> {
    const results = await Promise.all(
      this.toolsets.map(async (toolset): Promise<ToolsetStatus> => {
        try {
          const status = await toolset.checkPrerequisites();
          return { name: toolset.name, ok: status.ok, detail: status.detail };
        } catch (error) {
          return { name: toolset.name, ok: false, detail: (error as Error).message };
        }
      }),
    );
    this.statuses = new Map(results.map((status) => [status.name, status]));
    return results;
  }

  /** Last known status of every toolset (unchecked toolsets count as available). */
  status(): ToolsetStatus[] {
    return this.toolsets.map((toolset) => {
      const live = toolset.liveStatus?.();
      if (live) return { name: toolset.name, ok: live.ok, detail: live.detail };
      return this.statuses.get(toolset.name) ?? { name: toolset.name, ok: true };
    });
  }

  /** Why a tool cannot run here, or undefined when it can. */
  unavailableReason(name: string): string | undefined {
    const entry = this.byName.get(name);
    if (!entry) return 'unknown tool';
    const live = entry.toolset.liveStatus?.();
    if (live && !live.ok) return `toolset ${entry.toolset.name} unavailable: ${live.detail ?? 'not connected'}`;
    const status = this.statuses.get(entry.toolset.name);
    if (status && !status.ok) return `toolset ${entry.toolset.name} unavailable: ${status.detail ?? 'prerequisites not met'}`;
    return undefined;
  }

  /** A tool by exact name. */
  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name) ?? this.byName.get(this.byLowerName.get(name.toLowerCase()) ?? '');
  }

  /** A tool by name or alias (case-insensitive, spaces collapsed). */
  resolve(nameOrAlias: string): RegisteredTool | undefined {
    const key = nameOrAlias.trim().toLowerCase().replace(/\s+/g, ' ');
    return this.byName.get(nameOrAlias.trim()) ?? this.get(key) ?? this.byName.get(this.byAlias.get(key) ?? '');
  }

  /** Every alias, longest first (the router matches multi-word aliases greedily). */
  aliases(): Array<[alias: string, tool: string]> {
    return [...this.byAlias.entries()].sort((a, b) => b[0].length - a[0].length);
  }

  /** Every tool in registry order. */
  list(): RegisteredTool[] {
    return [...this.byName.values()];
  }

  /** The catalog, available tools flagged `active`, unavailable ones listed with a reason. */
  catalog(): CatalogEntry[] {
    return this.list().map(({ tool, toolset }) => {
      const reason = this.unavailableReason(tool.name);
      return {
        name: tool.name,
        description: tool.description,
        parameters: toolJsonSchema(tool),
        toolset: toolset.name,
        riskLevel: tool.risk,
        minRole: tool.minRole,
        active: reason === undefined,
        aliases: tool.aliases ?? [],
        examples: tool.examples ?? [],
        ...(reason ? { unavailableReason: reason } : {}),
      };
    });
  }

  /**
   * Writes the catalog into the `commands` table; tools no longer registered become inactive.
   * Only rows that differ are written: a restart with the same tools reads the table once and
   * writes nothing (issue 17: one upsert per tool was a good part of a warm restart).
   */
  async syncCommands(prisma: PrismaClient): Promise<void> {
    const entries = this.catalog();
    const stored = new Map(
      (
        await prisma.command.findMany({
          select: { name: true, description: true, parameters: true, toolset: true, riskLevel: true, minRole: true, active: true },
        })
      ).map((row) => [row.name, row]),
    );
    const changed = entries.filter((entry) => {
      const row = stored.get(entry.name);
      return (
        !row ||
        row.description !== entry.description ||
        row.toolset !== entry.toolset ||
        row.riskLevel !== entry.riskLevel ||
        row.minRole !== entry.minRole ||
        row.active !== entry.active ||
        canonicalJson(row.parameters) !== canonicalJson(entry.parameters)
      );
    });
    const names = new Set(entries.map((entry) => entry.name));
    const stale = [...stored.values()].some((row) => row.active && !names.has(row.name));
    if (changed.length === 0 && !stale) return;
    await prisma.$transaction([
      ...changed.map((entry) =>
        prisma.command.upsert({
          where: { name: entry.name },
          create: {
            name: entry.name,
            description: entry.description,
            parameters: entry.parameters as object,
            toolset: entry.toolset,
            riskLevel: entry.riskLevel,
            minRole: entry.minRole,
            active: entry.active,
          },
          update: {
            description: entry.description,
            parameters: entry.parameters as object,
            toolset: entry.toolset,
            riskLevel: entry.riskLevel,
            minRole: entry.minRole,
            active: entry.active,
          },
        }),
      ),
      prisma.command.updateMany({ where: { name: { notIn: [...names] }, active: true }, data: { active: false } }),
    ]);
  }
}

/** JSON with object keys sorted at every level: jsonb does not keep key order, so compare this. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
