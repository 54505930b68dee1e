/**
 * One scheduled check: the stored command routed to its tool, checked again to be read-only
 * (the registry may have changed since the schedule was made), run through the tool pipeline
 * as `system:schedules` (validated, authorized, audited like any execution), waited for when
 * durable, and judged: healthy, failing (a critical or warning finding, an SNMP anomaly, a
 * device that did not answer), error (the tool or pipeline failed) or refused.
 */
import type { Principal } from '../auth/principal.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import { FINAL_STATUSES, type ExecutionView } from '../tools/pipeline/execution-view.js';
import type { RunStatus } from './schedule-store.js';

/** What a check found. */
export interface CheckOutcome {
  status: RunStatus;
  summary: string;
  /** The worst finding was critical (the incident's severity). */
  critical: boolean;
  result: unknown;
  executionId: string | null;
}

type Finding = { severity?: string; title?: string; evidence?: string };
type ToolResultShape = {
  status?: string;
  data?: { summary?: unknown; findings?: Finding[]; devices?: Array<{ address?: string; error?: string }> };
  message?: string;
  error?: { message?: string };
};

/** Judges a finished execution. */
export function judge(view: Pick<ExecutionView, 'status' | 'result' | 'id'>): CheckOutcome {
  const result = (view.result ?? null) as ToolResultShape | null;
  const base = { result: view.result ?? null, executionId: view.id };
  if (view.status !== 'succeeded')
    return {
      ...base,
      status: 'error',
      critical: false,
      summary: `execution ${view.status}${result?.error?.message ? `: ${result.error.message}` : ''}`.slice(0, 1_000),
    };
  if (!result || result.status === 'error')
    return { ...base, status: 'error', critical: false, summary: (result?.error?.message ?? 'the tool reported an error').slice(0, 1_000) };
  const findings = result.data?.findings ?? [];
  const problems = findings.filter((finding) => finding.severity === 'critical' || finding.severity === 'warning');
  const silent = (result.data?.devices ?? []).filter((device) => device.error);
  const summary =
    typeof result.data?.summary === 'string'
      ? result.data.summary
      : problems[0]
        ? `${problems[0].title ?? 'finding'} — ${problems[0].evidence ?? ''}`
        : silent[0]
          ? `${silent[0].address ?? 'device'}: ${silent[0].error}`
          : result.status === 'no_data'
            ? (result.message ?? 'no data')
            : `${findings.length} finding(s), none a problem`;
  if (problems.length > 0 || silent.length > 0)
    return {
      ...base,
      status: 'failing',
      critical: problems.some((finding) => finding.severity === 'critical') || silent.length > 0,
      summary: summary.slice(0, 1_000),
    };
  return { ...base, status: 'healthy', critical: false, summary: summary.slice(0, 1_000) };
}

/** Runs one check; never throws (a failure is an outcome). */
export async function runCheck(
  deps: { tools: ToolRuntime; system: () => Promise<Principal>; waitMs?: number },
  schedule: { id: string; tool: string; args: Record<string, unknown> },
): Promise<CheckOutcome> {
  const registered = deps.tools.registry.get(schedule.tool);
  if (!registered)
    return { status: 'refused', critical: false, summary: `${schedule.tool} is not registered here`, result: null, executionId: null };
  if (registered.tool.risk !== 'read')
    return {
      status: 'refused',
      critical: false,
      summary: `${schedule.tool} is not a read-only tool; schedules never change anything`,
      result: null,
      executionId: null,
    };
  try {
    const system = await deps.system();
    let view = await deps.tools.executions.request(system, {
      tool: schedule.tool,
      args: schedule.args,
      channel: 'system',
      conversationId: null,
      externalIds: { scheduleId: schedule.id },
    });
    const deadline = Date.now() + (deps.waitMs ?? registered.tool.timeoutMs + 15_000);
    while (!FINAL_STATUSES.has(view.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = await deps.tools.executions.find(system, view.id);
    }
    return judge(view);
  } catch (error) {
    return { status: 'error', critical: false, summary: (error as Error).message.slice(0, 1_000), result: null, executionId: null };
  }
}
