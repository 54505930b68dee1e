/**
 * The one place that answers "may this principal do this to that". REST routes, socket
 * events, the tool pipeline, the command router, the agent, the bots and the MCP server ask
 * here instead of comparing roles or owner ids themselves, so the rules can be read (and
 * tested) as one table: docs/security.md "Policy" prints it.
 *
 * A rule grants an action either to every principal from some role up (`anyFrom`), or to the
 * owner of the resource from some role up (`ownerFrom`). Some rules also need the resource's
 * own minimum role (a route's or a tool's `minRole`) or a channel allowlist to agree. The
 * functions are pure: they hold no state, so every caller can import them directly.
 */
import type { ChannelAllowlist } from '../tools/pipeline/channel-allowlist.js';
import type { ToolChannel } from '../tools/tool-contract.js';
import { ForbiddenError } from '../errors.js';
import type { Principal } from './principal.js';
import { hasRole, type Role } from './roles.js';

/** One row of the policy table. */
export interface PolicyRule {
  /** Every principal with at least this role may act on any resource; null: nobody by role alone. */
  anyFrom: Role | null;
  /** The resource's owner with at least this role may act on it; null: ownership grants nothing. */
  ownerFrom: Role | null;
  /** The resource's own minimum role (route or tool `minRole`) must also be met. */
  resourceRole: boolean;
  /** The per-channel tool allowlist (TOOL_CHANNEL_ALLOWLIST) must also allow it. */
  channelAllowlist: boolean;
  /** What the action is, for the documentation. */
  description: string;
}

const rule = (anyFrom: Role | null, ownerFrom: Role | null, description: string, extra: Partial<PolicyRule> = {}): PolicyRule => ({
  anyFrom,
  ownerFrom,
  resourceRole: false,
  channelAllowlist: false,
  description,
  ...extra,
});

/** The policy table: action → who may. docs/security.md "Policy" is this table in words. */
export const POLICY_RULES = {
  'route.call': rule('viewer', null, 'Call a REST route (the route declares its minRole)', { resourceRole: true }),
  'tool.offer': rule('viewer', null, 'See a tool in help, the command router, the agent or schedules (tool minRole)', {
    resourceRole: true,
  }),
  'tool.run': rule('viewer', null, 'Request a tool run from a channel (tool minRole, channel allowlist)', {
    resourceRole: true,
    channelAllowlist: true,
  }),
  'execution.read': rule('operator', 'viewer', 'See an execution (its requester, or operators)'),
  'execution.cancel': rule('operator', 'viewer', 'Cancel a pending, queued or running execution (its requester, or operators)'),
  'execution.decide': rule('operator', null, 'Approve or deny a pending execution (also the tool minRole)', { resourceRole: true }),
  'mcpTask.read': rule(null, 'viewer', 'See an MCP task (only the MCP client that started it)'),
  'conversation.read': rule('admin', 'viewer', 'Read a conversation and its messages, search them (owner, or admins)'),
  'conversation.readIncidentThreads': rule('operator', null, 'Read the console threads of incidents'),
  'conversation.change': rule('admin', 'viewer', 'Change a conversation, post in it, use a chat thread (owner, or admins)'),
  'message.postAsAssistant': rule('operator', null, 'Post a message with a role other than user'),
  'service.change': rule('admin', 'viewer', 'Change or delete a service catalogue entry (its creator, or admins)'),
  'incident.act': rule('operator', null, 'Acknowledge or resolve an incident from Slack or Discord'),
  'realtime.operatorRoom': rule('operator', null, 'Receive approval cards and operator events on the socket'),
  'realtime.adminRoom': rule('admin', null, 'Receive admin events (audit, access changes) on the socket'),
} as const satisfies Record<string, PolicyRule>;

/** An action the policy knows. */
export type PolicyAction = keyof typeof POLICY_RULES;

/** Where a tool is requested from, for the channel allowlist. */
export interface ChannelContext {
  allowlist: ChannelAllowlist;
  channel: ToolChannel;
  externalIds?: Record<string, string> | undefined;
  tool: string;
  toolset: string;
}

/** What the action is done to: all fields optional, a rule reads only those it needs. */
export interface PolicyResource {
  /** The owner (requester, creator) of the resource; null or absent: nobody owns it. */
  ownerId?: string | null | undefined;
  /** The resource's own minimum role (a route's or a tool's). */
  minRole?: Role | undefined;
  /** For tool rules: the channel and allowlist the request comes through. */
  channel?: ChannelContext | undefined;
}

/** Who asks: a principal, or just a role where no user is at hand (listing the tools a role sees). */
export type PolicySubject = Pick<Principal, 'role'> & { userId?: string | undefined };

/** Why an action was refused, or null when it is allowed. */
export type PolicyRefusal = 'role' | 'resource_role' | 'channel' | null;

/** True when `tool` of `toolset` may run from this channel (no allowlist: everything). */
export function channelAllows(context: ChannelContext): boolean {
  const { allowlist, channel, externalIds, tool, toolset } = context;
  if (channel === 'mcp') {
    const allowed = allowlist.mcp;
    return !allowed || allowed.includes('*') || allowed.includes(tool) || allowed.includes(toolset);
  }
  if (channel !== 'slack' && channel !== 'discord') return true;
  const platform = allowlist[channel];
  if (!platform) return true;
  const channelId = externalIds?.channelId;
  const allowed = channelId ? platform[channelId] : undefined;
  if (!allowed) return false;
  return allowed.includes('*') || allowed.includes(tool) || allowed.includes(toolset);
}

/** True when the principal may act on every resource of this action, whoever owns it (query scopes). */
export function mayActOnAny(principal: PolicySubject, action: PolicyAction): boolean {
  const anyFrom: Role | null = POLICY_RULES[action].anyFrom;
  return anyFrom !== null && hasRole(principal.role, anyFrom);
}

/** Why the principal may not do `action` to `resource`, or null when it may. */
export function refusal(principal: PolicySubject, action: PolicyAction, resource: PolicyResource = {}): PolicyRefusal {
  const current: PolicyRule = POLICY_RULES[action];
  const owns =
    current.ownerFrom !== null &&
    resource.ownerId != null &&
    principal.userId !== undefined &&
    resource.ownerId === principal.userId &&
    hasRole(principal.role, current.ownerFrom);
  if (!mayActOnAny(principal, action) && !owns) return 'role';
  if (current.resourceRole && resource.minRole && !hasRole(principal.role, resource.minRole)) return 'resource_role';
  if (current.channelAllowlist && resource.channel && !channelAllows(resource.channel)) return 'channel';
  return null;
}

/** True when the principal may do `action` to `resource`. */
export function may(principal: PolicySubject, action: PolicyAction, resource: PolicyResource = {}): boolean {
  return refusal(principal, action, resource) === null;
}

/** Throws ForbiddenError(`message`) unless the principal may do `action` to `resource`. */
export function assertMay(principal: PolicySubject, action: PolicyAction, message: string, resource: PolicyResource = {}): void {
  if (!may(principal, action, resource)) throw new ForbiddenError(message);
}
