/**
 * A capability (core, knowledge, network, dedup, qos, services…) is one folder exporting one
 * Capability: its chat toolset, REST routes, CLI commands, /health entry, metrics and
 * background jobs, built once from the CoreServices. The server, the CLI and /health are
 * assembled from the list in src/capabilities.ts; adding a capability is one line there.
 */
import type { Command } from 'commander';
import type { RequestHandler, Router } from 'express';
import type { Metric } from 'prom-client';
import type { TokenAuthenticator } from '../auth/token-authenticator.js';
import type { ChannelAllowlist } from '../tools/pipeline/channel-allowlist.js';
import type { Toolset } from '../tools/tool-contract.js';
import type { CoreServices } from './core-services.js';
import type { RouteRegistrar } from './route-declarations.js';

/** A capability's /health section (a status object; a throw is reported as `error`). */
export type HealthCheck = () => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Background work a module owns: started after the pipeline, closed before the database. */
export interface CapabilityJob {
  name: string;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** What the server hands a mount: the HTTP-side parts a router with its own authentication needs. */
export interface MountContext {
  /** The per-address rate limit (RATE_LIMIT_IP_PER_MINUTE), to place where it applies. */
  ipLimit: RequestHandler;
  /** The API-token check /api uses (for routers that accept the same tokens, e.g. /mcp). */
  authenticator: TokenAuthenticator;
  /** The pipeline's channel allowlist (TOOL_CHANNEL_ALLOWLIST), for routers that call tools. */
  allowlist?: ChannelAllowlist | undefined;
}

/**
 * A router with its own authentication (alert webhooks, the MCP endpoint), mounted before
 * /api's bearer-token check and JSON parsing (raw bodies intact), at `path` or at the root.
 */
export interface CapabilityMount {
  path?: string | undefined;
  router(context: MountContext): Router;
}

/** A capability as the running server sees it: everything it brings, built once. */
export interface CapabilityModule {
  name: string;
  /** Its chat tools (registered in the pipeline: Slack, Discord, console, agent, REST commands, MCP). */
  toolset?: Toolset | undefined;
  /** Its REST routes under /api (declared through the core; the server implements the table). */
  routes?: ((routes: RouteRegistrar) => void) | undefined;
  /** Its `vigie …` commands (the same function as the capability's, for one place to read). */
  cliCommands?: ((program: Command) => void) | undefined;
  /** Its routers outside /api (own authentication), mounted in list order before /api. */
  mounts?: readonly CapabilityMount[] | undefined;
  /** Its /health section, under its name. */
  health?: HealthCheck | undefined;
  /** The metrics it registered on the core registry (with src/core/metrics.ts). */
  metrics?: readonly Metric[] | undefined;
  /** Its background jobs (timers, resumed work). */
  jobs?: readonly CapabilityJob[] | undefined;
}

/** One entry of the capability list. */
export interface Capability {
  name: string;
  /**
   * Its `vigie …` commands. The CLI registers them without a running server (each command
   * opens what it needs), so they live beside `create`, not inside the built module.
   */
  cliCommands?: ((program: Command) => void) | undefined;
  /** Builds the module from the core (once per process); touches `core.tools` only at request time. */
  create(core: CoreServices): CapabilityModule;
}

/** Declares a capability (typed; `create` gets `cliCommands` copied onto its module). */
export function defineCapability(capability: Capability): Capability {
  return {
    ...capability,
    create(core) {
      const module = capability.create(core);
      return { ...module, name: capability.name, cliCommands: capability.cliCommands };
    },
  };
}
