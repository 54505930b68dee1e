/**
 * Result views of the QoS tools: a plan (qos_plan, and qos_apply's approval preview and
 * result) as its class tree, the clauses read from the intent, the diff against the live
 * interface and the exact `tc -batch` text, collapsed; qos_show as the live classes with
 * their statistics; rollback and confirm as the application record.
 */
import type { BlockOf, ResultView, Tone, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asArray, asNumber, asRecord, asText, formatBitRate, formatBytes, view } from '../view-format.js';
import type { QosPlan } from './qos-planner.js';
import type { LiveState } from './tc-state.js';


/** The plan as shown to people and models: no internals, everything needed to approve. */
export function summarisePlan(plan: QosPlan) {
  return {
    interface: plan.policy.interface,
    direction: plan.policy.direction,
    device: plan.device,
    clauses: plan.clauses.map(({ text, action, application, template, rate, ceil }) => ({ text, action, application, template, rate, ceil })),
    interpretedBy: plan.interpretedBy ?? 'parser',
    ...(plan.interpretation ? { interpretation: plan.interpretation } : {}),
    warnings: plan.warnings,
    diff: plan.diff,
    commands: plan.commands.length,
    batch: plan.batch,
    preparation: plan.preparation.map((argv) => `ip ${argv.join(' ')}`),
    capabilities: plan.capabilities,
    policy: plan.policy,
  };
}

/** The plan as the toolset summarises it. */
export type PlanSummary = ReturnType<typeof summarisePlan>;

interface TreeClass {
  id: string;
  parent: string;
  name?: string;
  rate?: number;
  ceil?: number;
  priority?: number;
}

/** Orders classes as a tree (parents before children) with their depth. */
function classTree(classes: TreeClass[], root: string): BlockOf<'tree'>['nodes'] {
  const children = new Map<string, TreeClass[]>();
  for (const item of classes) children.set(item.parent, [...(children.get(item.parent) ?? []), item]);
  const nodes: BlockOf<'tree'>['nodes'] = [{ label: `qdisc ${root}`, depth: 0 }];
  const seen = new Set<string>();
  const walk = (parent: string, depth: number) => {
    for (const item of children.get(parent) ?? []) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const parts = [item.rate !== undefined ? `rate ${formatBitRate(item.rate)}` : '', item.ceil !== undefined ? `ceil ${formatBitRate(item.ceil)}` : '', item.priority !== undefined ? `prio ${item.priority}` : ''].filter(Boolean);
      nodes.push({ label: `${item.id}${item.name ? ` ${item.name}` : ''}`, ...(parts.length ? { detail: parts.join(' · ') } : {}), depth: Math.min(depth, 16) });
      walk(item.id, depth + 1);
    }
  };
  walk(root, 1);
  // Classes whose parent is not in the tree (malformed input) are still listed.
  for (const item of classes) if (!seen.has(item.id)) nodes.push({ label: item.id, depth: 1 });
  return nodes;
}

/** The blocks of a plan: clauses, warnings, class tree, diff, tc batch. */
export function planBlocks(plan: PlanSummary): ViewBlock[] {
  const policy = asRecord(plan.policy) ?? {};
  const classes = asArray(policy.classes) as TreeClass[];
  const root = asText(asRecord(policy.root)?.handle) || '1:';
  const warnings = asArray(plan.warnings).map(asText).filter(Boolean);
  const diff = asRecord(plan.diff);
  const preparation = asArray(plan.preparation).map(asText);
  const batch = asText(plan.batch);
  const clauses = asArray(plan.clauses).map((clause) => asRecord(clause) ?? {});
  const blocks: ViewBlock[] = [
    {
      type: 'fields',
      fields: [
        { label: 'Interface', value: asText(plan.interface) },
        { label: 'Direction', value: asText(plan.direction) },
        ...(plan.device && plan.device !== plan.interface ? [{ label: 'Shaped on', value: asText(plan.device) }] : []),
        { label: 'Read by', value: asText(plan.interpretedBy) },
        { label: 'tc commands', value: String(asNumber(plan.commands) ?? 0) },
      ],
    },
  ];
  if (clauses.length) {
    blocks.push({
      type: 'table',
      title: 'What the intent says',
      columns: [
        { key: 'text', label: 'Clause' },
        { key: 'action', label: 'Action' },
        { key: 'application', label: 'Traffic' },
        { key: 'rate', label: 'Rate', align: 'right' },
        { key: 'ceil', label: 'Ceiling', align: 'right' },
      ],
      rows: clauses.map((clause) => ({
        text: asText(clause.text),
        action: asText(clause.action),
        application: asText(clause.application) || asText(clause.template) || '—',
        rate: asNumber(clause.rate) !== null ? formatBitRate(asNumber(clause.rate)) : '—',
        ceil: asNumber(clause.ceil) !== null ? formatBitRate(asNumber(clause.ceil)) : '—',
      })),
    });
  }
  if (warnings.length) blocks.push({ type: 'text', title: 'Warnings', text: warnings.map((warning) => `• ${warning}`).join('\n') });
  if (classes.length) blocks.push({ type: 'tree', title: 'Class tree', nodes: classTree(classes, root) });
  if (diff) {
    blocks.push({ type: 'diff', title: 'Change on the interface', removed: asArray(diff.removed).map(asText), added: asArray(diff.added).map(asText), unchanged: asNumber(diff.unchanged) ?? 0 });
  }
  if (batch || preparation.length) blocks.push({ type: 'code', title: `tc -batch (${asNumber(plan.commands) ?? 0} commands)`, language: 'tc', text: [...preparation.map((line) => `# before: ${line}`), batch].filter(Boolean).join('\n'), collapsed: true });
  return blocks;
}

function planTone(plan: PlanSummary): Tone {
  return asArray(plan.warnings).length ? 'warning' : 'ok';
}

function planHeadline(plan: PlanSummary, verb: string): string {
  const classes = asArray(asRecord(plan.policy)?.classes).length;
  return `${verb} ${asText(plan.interface)} (${asText(plan.direction)}): ${classes} class(es), ${asNumber(plan.commands) ?? 0} tc command(s)`;
}

/** The view of a qos_plan result. */
export function qosPlanView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const plan = result.data as PlanSummary;
  return view('qos.plan', planHeadline(plan, 'QoS plan for'), planTone(plan), planBlocks(plan));
}

/** What approving a qos_apply will do: the plan, its diff and the exact commands. */
export function qosApplyPreview(plan: PlanSummary, confirmWithinMinutes?: number): ResultView {
  return view('qos.apply.preview', planHeadline(plan, 'Will shape'), planTone(plan), [
    ...planBlocks(plan).map((block) => (block.type === 'code' ? { ...block, collapsed: false } : block)),
    confirmWithinMinutes ? { type: 'text', text: `Rolled back automatically unless confirmed within ${confirmWithinMinutes} minute(s).` } : null,
  ]);
}

/** The view of a qos_apply result. */
export function qosApplyView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as { applicationId?: string; status?: string; confirmDeadline?: string | null; plan?: PlanSummary };
  const plan = data.plan;
  const status = asText(data.status);
  return view('qos.apply', plan ? planHeadline(plan, `Applied (${status}) on`) : `QoS applied (${status})`, status === 'applied' || status === 'confirmed' ? 'ok' : status === 'pending_confirmation' ? 'pending' : 'warning', [
    { type: 'fields', fields: [{ label: 'Application', value: asText(data.applicationId) }, { label: 'Status', value: status }, ...(data.confirmDeadline ? [{ label: 'Confirm before', value: asText(data.confirmDeadline) }] : [])] },
    ...(plan ? planBlocks(plan) : []),
  ]);
}

/** The view of a qos_rollback or qos_confirm result (an application record). */
export function qosRecordView(result: ToolResult, verb: string): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const record = asRecord(result.data) ?? {};
  const status = asText(record.status);
  return view('qos.application', `${verb} ${asText(record.interface)}: ${status}`, status === 'failed' ? 'critical' : 'ok', [
    {
      type: 'fields',
      fields: [
        { label: 'Application', value: asText(record.id) },
        { label: 'Interface', value: asText(record.interface) },
        { label: 'Status', value: status },
        ...(record.intent ? [{ label: 'Intent', value: asText(record.intent) }] : []),
        ...(record.error ? [{ label: 'Error', value: asText(record.error) }] : []),
      ],
    },
    record.batch ? { type: 'code', title: 'tc -batch that was applied', language: 'tc', text: asText(record.batch), collapsed: true } : null,
  ]);
}

/** The view of a qos_show result: live classes with statistics, recent applications. */
export function qosShowView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as { state?: LiveState; capabilities?: { missing?: string[] }; applications?: Array<Record<string, unknown>> };
  const state = data.state;
  const classes = asArray(state?.classes) as LiveState['classes'];
  const missing = asArray(data.capabilities?.missing).map(asText);
  const applications = asArray(data.applications).map((item) => asRecord(item) ?? {});
  const drops = classes.reduce((sum, item) => sum + (item.statistics?.drops ?? 0), 0);
  return view('qos.show', `${asText(state?.device)}: ${classes.length} class(es), ${drops} packet(s) dropped`, drops > 0 ? 'warning' : 'ok', [
    classes.length > 0 && { type: 'tree', title: 'Class tree', nodes: classTree(classes, asText(asArray(state?.qdiscs).map(asRecord).find((qdisc) => qdisc?.parent === 'root')?.handle) || '1:') },
    classes.length > 0 && {
      type: 'table',
      title: 'Classes',
      columns: [
        { key: 'id', label: 'Class' },
        { key: 'rate', label: 'Rate', align: 'right' },
        { key: 'ceil', label: 'Ceiling', align: 'right' },
        { key: 'sent', label: 'Sent', align: 'right' },
        { key: 'drops', label: 'Drops', align: 'right' },
        { key: 'overlimits', label: 'Overlimits', align: 'right' },
        { key: 'backlog', label: 'Backlog', align: 'right' },
      ],
      rows: classes.map((item) => ({
        id: item.id,
        rate: formatBitRate(item.rate),
        ceil: formatBitRate(item.ceil),
        sent: formatBytes(item.statistics?.bytes),
        drops: item.statistics?.drops ?? null,
        overlimits: item.statistics?.overlimits ?? null,
        backlog: formatBytes(item.statistics?.backlogBytes),
      })),
      rowTones: classes.map((item) => ((item.statistics?.drops ?? 0) > 0 ? 'warning' : 'neutral')),
    },
    missing.length > 0 && { type: 'text', title: 'Missing kernel features', text: missing.join(', ') },
    applications.length > 0 && {
      type: 'timeline',
      title: 'Recent applications',
      items: applications.map((item) => ({ time: asText(item.createdAt), title: `${asText(item.status)}${item.intent ? `: ${asText(item.intent)}` : ''}`, detail: asText(item.id), tone: item.status === 'failed' ? 'critical' : item.status === 'rolled_back' ? 'warning' : 'ok' })),
    },
  ]);
}
