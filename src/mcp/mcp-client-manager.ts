/**
 * The external MCP servers of a node: loaded from the `mcp_servers` table at start (and
 * re-read periodically, so a server registered on another node shows up here too), one
 * connection each, their tools kept in the registry as run-time toolsets. Registration
 * connects first and refuses, with the reason, a server that cannot start.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ConflictError, NotFoundError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type * as ConnectionModule from './mcp-connection.js';
import type { ConnectionStatus, ConnectionTimings, McpConnection } from './mcp-connection.js';
import { externalToolset, toolsetName } from './mcp-external-toolset.js';
import { publicSpec, specFromRow, type McpServerInput, type McpServerSpec } from './mcp-server-config.js';

/** A registered server with its live status. */
/** The MCP client SDK (≈0.4 s to load) is imported when a server is first connected, not at start-up (issue 17). */
function loadConnectionModule(): Promise<typeof ConnectionModule> {
  return import('./mcp-connection.js');
}

export type McpServerView = ReturnType<typeof publicSpec> & { status: ConnectionStatus; tools: string[] };

/** Components and settings of the manager. */
export interface McpClientManagerOptions {
  prisma: PrismaClient;
  registry: ToolRegistry;
  audit: AuditLog;
  logger: Logger;
  timings?: ConnectionTimings;
  /** How often the table is re-read for servers added or removed on other nodes (0: never). */
  reconcileMs?: number;
}

/** Keeps this node's connections in step with the table. */
export class McpClientManager {
  private readonly connections = new Map<string, McpConnection>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;

  constructor(private readonly options: McpClientManagerOptions) {}

  /** Connects every stored server (without waiting for slow ones) and starts reconciling. */
  async start(): Promise<void> {
    await this.reconcile();
    const every = this.options.reconcileMs ?? 30_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.reconcile().catch((error: unknown) => this.options.logger.warn({ err: error }, 'MCP server reconcile failed'));
      }, every);
      this.timer.unref();
    }
  }

  /** Stops every connection. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reconciling?.catch(() => undefined);
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
    this.connections.clear();
  }

  /** Registers a server: connects it, stores it, adds its tools (refused with the reason if it cannot start). */
  async add(principal: Principal, input: McpServerInput): Promise<McpServerView> {
    if (await this.options.prisma.mcpServer.findUnique({ where: { name: input.name } }))
      throw new ConflictError(`An MCP server named ${input.name} is already registered`);
    const { allowOffline, ...data } = input;
    const id = randomUUID();
    const { McpConnection } = await loadConnectionModule();
    const connection: McpConnection = new McpConnection(
      { id, ...data, command: data.command ?? null, url: data.url ?? null },
      this.options.logger,
      () => this.publish(connection),
      this.options.timings,
    );
    const status = await connection.connect();
    if (status.state !== 'connected') {
      await connection.close();
      if (!allowOffline) {
        throw new AppError(
          'mcp_connect_failed',
          400,
          `Could not start MCP server ${input.name}: ${status.detail ?? status.state}. Fix the command or URL, or pass allowOffline to store it anyway.`,
        );
      }
    }
    let row;
    try {
      row = await this.options.prisma.mcpServer.create({
        data: { id, ...data, command: data.command ?? null, url: data.url ?? null, createdBy: principal.userId || null },
      });
    } catch (error) {
      await connection.close();
      if ((error as { code?: string }).code === 'P2002') throw new ConflictError(`An MCP server named ${input.name} is already registered`);
      throw error;
    }
    const spec = specFromRow(row);
    await this.options.audit.append({
      action: 'mcp.server_added',
      actorId: principal.userId || null,
      actorName: principal.userName,
      channel: 'api',
      arguments: { ...publicSpec(spec) },
    });
    if (status.state === 'connected' && !this.connections.has(spec.name)) {
      this.connections.set(spec.name, connection);
      this.publish(connection);
    } else {
      if (status.state === 'connected') await connection.close();
      await this.open(spec);
    }
    return this.view(spec.name)!;
  }

  /** Removes a server and its tools. */
  async remove(principal: Principal, name: string): Promise<void> {
    const deleted = await this.options.prisma.mcpServer.deleteMany({ where: { name } });
    if (deleted.count === 0) throw new NotFoundError('MCP server');
    await this.drop(name);
    await this.options.audit.append({
      action: 'mcp.server_removed',
      actorId: principal.userId || null,
      actorName: principal.userName,
      channel: 'api',
      arguments: { name },
    });
  }

  /** Every registered server of this node with its status. */
  list(): McpServerView[] {
    return [...this.connections.keys()].sort().map((name) => this.view(name)!);
  }

  /** One server by name. */
  find(name: string): McpServerView {
    const view = this.view(name);
    if (!view) throw new NotFoundError('MCP server');
    return view;
  }

  /** The live connection of a server (tests use it to kill the child). */
  connection(name: string): McpConnection | undefined {
    return this.connections.get(name);
  }

  /** /health section: each server's state. */
  health(): Record<string, unknown> {
    const servers = Object.fromEntries(
      [...this.connections.entries()].map(([name, connection]) => {
        const status = connection.current();
        return [
          name,
          {
            state: status.state,
            tools: status.tools,
            ...(status.detail ? { detail: status.detail } : {}),
            ...(status.nextRetryAt ? { nextRetryAt: status.nextRetryAt } : {}),
          },
        ];
      }),
    );
    const states = Object.values(servers).map((server) => (server as { state: string }).state);
    return { status: states.every((state) => state === 'connected') ? 'ok' : 'degraded', servers };
  }

  /** Re-reads the table: opens new servers, drops removed ones. */
  reconcile(): Promise<void> {
    this.reconciling ??= (async () => {
      try {
        const rows = await this.options.prisma.mcpServer.findMany({ where: { enabled: true } });
        const names = new Set(rows.map((row) => row.name));
        for (const name of this.connections.keys()) if (!names.has(name)) await this.drop(name);
        for (const row of rows) if (!this.connections.has(row.name)) void this.open(specFromRow(row));
      } finally {
        this.reconciling = undefined;
      }
    })();
    return this.reconciling;
  }

  private view(name: string): McpServerView | undefined {
    const connection = this.connections.get(name);
    if (!connection) return undefined;
    return {
      ...publicSpec(connection.spec),
      status: connection.current(),
      tools: connection.listedTools().map((tool) => `${name}.${tool.name}`),
    };
  }

  private async open(spec: McpServerSpec): Promise<void> {
    if (this.connections.has(spec.name)) return;
    const { McpConnection } = await loadConnectionModule();
    if (this.connections.has(spec.name)) return;
    const connection = new McpConnection(spec, this.options.logger, () => this.publish(connection), this.options.timings);
    this.connections.set(spec.name, connection);
    this.publish(connection);
    await connection.connect();
  }

  private async drop(name: string): Promise<void> {
    const connection = this.connections.get(name);
    this.connections.delete(name);
    this.options.registry.removeToolset(toolsetName(name));
    await connection?.close();
  }

  private publish(connection: McpConnection): void {
    if (this.connections.get(connection.spec.name) !== connection) return;
    try {
      this.options.registry.upsertToolset(externalToolset(connection));
    } catch (error) {
      this.options.logger.error(
        { err: error, mcpServer: connection.spec.name },
        `MCP server ${connection.spec.name}: tools not registered`,
      );
    }
  }
}
