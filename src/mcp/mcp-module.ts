/**
 * The MCP capability: external MCP servers whose tools join the registry (/api/mcp/servers,
 * their /health section, the connections as a job) and Vigie as an MCP server at /mcp
 * (Streamable HTTP, stateless, the same API tokens, approval cards for pending calls).
 */
import { Router } from 'express';
import { defineCapability, type Capability, type CapabilityModule } from '../core/capability.js';
import { ApprovalCards, type ApprovalCardTargets } from './mcp-approval-cards.js';
import { McpClientManager } from './mcp-client-manager.js';
import type { ConnectionTimings } from './mcp-connection.js';
import { mcpHttpRouter } from './mcp-http.js';
import { mcpRoutes } from './mcp-routes.js';

/** Options of the capability (from configuration in main.ts, from tests directly). */
export interface McpOptions {
  /** Connection timings of external servers and how often their table is re-read (tests shorten them). */
  timings?: ConnectionTimings;
  reconcileMs?: number;
  /** MCP_TASK_POLL_MS: interval MCP clients are asked to poll a task at. */
  taskPollMs?: number;
  /** APPROVALS_SLACK_CHANNEL / APPROVALS_DISCORD_CHANNEL: where pending MCP calls get approval cards. */
  approvalCards?: ApprovalCardTargets;
}

/** The built MCP module: the contract, plus the client manager (App.mcpClients). */
export interface McpModule extends CapabilityModule {
  clients: McpClientManager;
}

/** Whether a built module is the MCP one (createApp exposes its clients as `App.mcpClients`). */
export function isMcpModule(module: CapabilityModule): module is McpModule {
  return module.name === 'mcp' && 'clients' in module;
}

/** The MCP capability, with its options. */
export function mcpCapability(options: McpOptions = {}): Capability {
  return defineCapability({
    name: 'mcp',
    create(core): McpModule {
      const { database, logger } = core;
      const clients = new McpClientManager({
        prisma: database.prisma,
        // Read at run time: tests list the shipped toolsets over a core without a pipeline (test/support/production-toolsets.ts).
        get registry() {
          return core.tools.registry;
        },
        audit: core.audit,
        logger,
        timings: options.timings,
        reconcileMs: options.reconcileMs,
      });
      const targets = options.approvalCards;
      const approvalCards =
        targets && (targets.slack || targets.discord)
          ? new ApprovalCards({ targets, prisma: database.prisma, events: core.events, logger })
          : undefined;
      return {
        name: 'mcp',
        clients,
        routes: (routes) => mcpRoutes(routes, clients),
        health: () => clients.health(),
        mounts: [
          {
            router: ({ ipLimit, authenticator, allowlist }) => {
              const router = Router();
              router.use('/mcp', ipLimit);
              router.use(
                mcpHttpRouter({
                  authenticator,
                  bodyLimit: core.config.BODY_LIMIT,
                  tools: core.tools,
                  knowledge: core.knowledge,
                  prisma: database.prisma,
                  logger,
                  allowlist,
                  taskPollMs: options.taskPollMs,
                  approvalCards,
                }),
              );
              return router;
            },
          },
        ],
        jobs: [
          {
            name: 'mcp-clients',
            start: () => clients.start(),
            async close() {
              await clients.close();
              approvalCards?.close();
            },
          },
        ],
      };
    },
  });
}
