/**
 * The pipeline's refusals, each audited: a request the policy refuses (role, channel
 * allowlist), a call that never reached a tool (stored as a `refused` execution), and a
 * request carrying text the database cannot store.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Principal } from '../../auth/principal.js';
import { refusal } from '../../auth/policy.js';
import { resolveLocale, type Locale } from '../../contracts/i18n.js';
import { detailsOf } from '../../contracts/validation-text.js';
import type { Logger } from '../../logger.js';
import { isDataException } from '../../db/db-errors.js';
import { ForbiddenError, ValidationError } from '../../errors.js';
import type { Execution } from '../../generated/prisma/client.js';
import type { ToolDefinition } from '../tool-contract.js';
import type { ToolRegistry } from '../tool-registry.js';
import type { ChannelAllowlist } from './channel-allowlist.js';
import { digest, insertAudited } from './execution-audit.js';
import type { ExecutionMetrics } from './execution-metrics.js';
import type { ExecutionRequest } from './execution-types.js';
import { translatorFor, withView } from './result-views.js';

/** Largest arguments kept as they are on a refused row (bigger ones are kept as clipped text). */
export const MAX_ARGUMENT_BYTES = 16 * 1024;

/** Throws ForbiddenError (audited as `execution.refused`) unless the policy lets `principal` run `tool` from this channel. */
export async function assertMayRun(
  deps: { audit: AuditLog; metrics: ExecutionMetrics; allowlist: ChannelAllowlist },
  principal: Principal,
  tool: Pick<ToolDefinition, 'name' | 'minRole'>,
  toolset: string,
  request: ExecutionRequest,
  base: Record<string, unknown>,
): Promise<void> {
  const refused = refusal(principal, 'tool.run', {
    minRole: tool.minRole,
    channel: { allowlist: deps.allowlist, channel: request.channel, externalIds: request.externalIds, tool: tool.name, toolset },
  });
  if (!refused) return;
  const denied = refused === 'channel' ? `${tool.name} is not allowed in this channel` : `${tool.name} requires the ${tool.minRole} role`;
  await deps.audit.append({
    ...base,
    action: 'execution.refused',
    status: 'forbidden',
    actorId: principal.userId,
    actorName: principal.userName,
    details: { reason: denied },
  });
  deps.metrics.executions.inc({ tool: tool.name, status: 'forbidden' });
  throw new ForbiddenError(denied);
}

/**
 * Records a call that never reached a tool (unknown tool, arguments that fail the schema or
 * are not JSON) as a `refused` execution with its audit event, in one transaction.
 */
export function refusedExecution(
  audit: AuditLog,
  registry: ToolRegistry,
  principal: Principal,
  request: ExecutionRequest & { code: string; reason: string; details?: unknown },
  now: Date,
  view: { logger: Logger; defaultLocale?: Locale | undefined },
): Promise<Execution> {
  const registered = registry.resolve(request.tool);
  const text = JSON.stringify(request.args ?? {}) ?? '{}';
  const keep =
    request.args && typeof request.args === 'object' && !Array.isArray(request.args) && Buffer.byteLength(text) <= MAX_ARGUMENT_BYTES;
  const args = keep ? request.args : { raw: text.slice(0, 2_000) };
  // Validation details (code, plain params) stay with the result, and its view says them in the requester's language.
  const details = detailsOf(request.details);
  const error = { code: request.code, message: request.reason.slice(0, 500), ...(details.length ? { details } : {}) };
  const result = withView(
    undefined,
    String(request.tool).slice(0, 100),
    args,
    { status: 'error', error },
    view.logger,
    translatorFor(resolveLocale(request.locale) ?? view.defaultLocale),
  );
  return insertAudited(
    audit,
    {
      tool: (registered?.tool.name ?? String(request.tool)).slice(0, 100) || '(none)',
      toolset: registered?.toolset.name ?? 'unknown',
      riskLevel: registered?.tool.risk ?? 'read',
      arguments: args,
      status: 'refused',
      startedAt: null,
      finishedAt: now,
      result: result as object,
      requesterId: principal.userId,
      requesterName: principal.userName,
      requesterRole: principal.role,
      channel: request.channel,
      externalIds: request.externalIds ?? {},
      conversationId: request.conversationId ?? null,
      expiresAt: null,
      locale: resolveLocale(request.locale) ?? null,
      traceId: request.traceId ?? randomUUID(),
    },
    [
      {
        stage: 'refused',
        actor: principal,
        extra: { resultDigest: digest(result), details: { code: request.code, reason: error.message } },
      },
    ],
  );
}

/** The database refused a value of this request (NUL, bad text): audited (escaped), answered 400 to this caller alone. */
export async function refuseUnstorable(
  audit: AuditLog,
  error: unknown,
  principal: Principal,
  base: Record<string, unknown>,
): Promise<never> {
  if (!isDataException(error)) throw error;
  await audit.append({
    ...base,
    action: 'execution.refused',
    status: 'invalid_text',
    actorId: principal.userId,
    actorName: principal.userName,
    details: { reason: 'unstorable text' },
  });
  throw new ValidationError('The request carries text that cannot be stored (a NUL byte or a lone UTF-16 surrogate)');
}
