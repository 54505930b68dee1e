/**
 * The public shape of an execution (REST, sockets, the agent's tool results). Arguments are
 * shown redacted: the row keeps what the tool needs to run after approval, views never leak it.
 */
import { redactSecrets } from '../../audit/redaction.js';
import type { Execution } from '../../generated/prisma/client.js';
import { resolveLocale, type Locale } from '../../contracts/i18n.js';

/** Every state an execution can be in. */
export const EXECUTION_STATUSES = [
  'pending_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'denied',
  'expired',
  'timed_out',
  'cancelled',
  'refused',
] as const;
/** One of EXECUTION_STATUSES. */
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** States after which nothing changes any more. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'denied',
  'expired',
  'timed_out',
  'cancelled',
  'refused',
]);

/** An execution as clients see it. */
export interface ExecutionView {
  id: string;
  tool: string;
  toolset: string;
  riskLevel: string;
  arguments: unknown;
  status: ExecutionStatus;
  requesterId: string;
  requesterName: string;
  channel: string;
  conversationId: string | null;
  approverId: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  result: unknown;
  progress: unknown;
  /** What approving will do (a result view), for executions that needed an approval. */
  preview?: unknown;
  /** The requester's language (`en`, `fr`): views and summary lines are written in it; null: the default. */
  locale?: Locale | null;
  traceId: string;
  createdAt: string;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** Converts a row to its public shape. */
export function executionView(row: Execution): ExecutionView {
  return {
    id: row.id,
    tool: row.tool,
    toolset: row.toolset,
    riskLevel: row.riskLevel,
    arguments: redactSecrets(row.arguments),
    status: row.status as ExecutionStatus,
    requesterId: row.requesterId,
    requesterName: row.requesterName,
    channel: row.channel,
    conversationId: row.conversationId,
    approverId: row.approverId,
    decidedAt: iso(row.decidedAt),
    expiresAt: iso(row.expiresAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.durationMs,
    result: row.result === null ? null : redactSecrets(row.result),
    progress: row.progress,
    preview: row.preview ?? null,
    locale: resolveLocale(row.locale) ?? null,
    traceId: row.traceId,
    createdAt: row.createdAt.toISOString(),
  };
}
