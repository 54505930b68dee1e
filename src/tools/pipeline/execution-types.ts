/**
 * The shapes around the execution pipeline: what a caller asks for, what the pipeline is
 * built from, and the approval surface the realtime gateway and the bots call.
 */
import type { Registry } from 'prom-client';
import type { DomainEvents } from '../../actions/domain-events.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Principal } from '../../auth/principal.js';
import type { Locale } from '../../contracts/i18n.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolChannel } from '../tool-contract.js';
import type { ToolRegistry } from '../tool-registry.js';
import type { ChannelAllowlist } from './channel-allowlist.js';
import type { ExecutionView } from './execution-view.js';
import type { ExecutionJobQueue } from './job-queue.js';

/** What a caller asks for. */
export interface ExecutionRequest {
  tool: string;
  args: unknown;
  channel: ToolChannel;
  conversationId?: string | null | undefined;
  externalIds?: Record<string, string> | undefined;
  traceId?: string | undefined;
  /**
   * The requester's language (`en` or `fr`, from the turn, Accept-Language…): the result view,
   * the approval preview and the outcome line are written in it, even when the execution runs
   * later (it is stored on the row). Absent: DEFAULT_LOCALE.
   */
  locale?: Locale | undefined;
  /**
   * The requester's language while it is still being looked up (their profile's), when
   * `locale` is absent: awaited where first needed, so the lookup overlaps the checks and, for
   * a read run first, the tool itself. Any tag; unsupported: the default language.
   */
  localeLookup?: Promise<string | null | undefined> | undefined;
}

/** Components and settings of the pipeline. */
export interface ExecutionServiceOptions {
  prisma: PrismaClient;
  /** The same database on the driver (the pipeline now writes through the audit log's transactions; kept for callers that pass it). */
  sql: SqlQueries;
  audit: AuditLog;
  registry: ToolRegistry;
  logger: Logger;
  events?: DomainEvents | undefined;
  jobs?: ExecutionJobQueue | undefined;
  approvalTtlMs?: number | undefined;
  allowlist?: ChannelAllowlist | undefined;
  metrics?: Registry | undefined;
  now?: () => Date;
  maxArgumentBytes?: number;
  /** Grace after a tool's timeout before a `running` execution is failed as abandoned. */
  abandonGraceMs?: number | undefined;
  /** DEFAULT_LOCALE: the language of views for executions whose requester's language is unknown (MCP, schedules). */
  defaultLocale?: Locale | undefined;
  /** How long an inline read may run before its row is stored as running (read-first.ts; default 1 s). */
  readFirstWindowMs?: number | undefined;
  /** Age of a durable `queued` row before the sweep puts it back in the queue (execution-requeue.ts). */
  requeueAfterMs?: number | undefined;
}

/** The approval surface the realtime gateway and bots call. */
export interface ApprovalHandler {
  approve(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView>;
  deny(principal: Principal, executionId: string, channel: ToolChannel, reason?: string): Promise<ExecutionView>;
}
