/**
 * Result views of the QoS tools: a plan (qos_plan, and qos_apply's approval preview and
 * result) as its class tree, the clauses read from the intent, the diff against the live
 * interface and the exact `tc -batch` text, collapsed; qos_show as the live classes with
 * their statistics; rollback and confirm as the application record.
 */
import type { Translator } from '../../contracts/i18n.js';
import type { BlockOf, ResultView, Tone, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asArray, asNumber, asRecord, asText, english, formatBitRate, formatBytes, formatNumber, view } from '../view-format.js';
import type { QosPlan } from './qos-planner.js';
import type { LiveState } from './tc-state.js';

/** The plan as shown to people and models: no internals, everything needed to approve. */
export function summarisePlan(plan: QosPlan) {
  return {
    interface: plan.policy.interface,
    direction: plan.policy.direction,
    device: plan.device,
    clauses: plan.clauses.map(({ text, action, application, template, rate, ceil }) => ({
      text,
      action,
      application,
      template,
      rate,
      ceil,
    })),
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
function classTree(classes: TreeClass[], root: string, i18n: Translator): BlockOf<'tree'>['nodes'] {
  const children = new Map<string, TreeClass[]>();
  for (const item of classes) children.set(item.parent, [...(children.get(item.parent) ?? []), item]);
  const nodes: BlockOf<'tree'>['nodes'] = [{ label: `qdisc ${root}`, depth: 0 }];
  const seen = new Set<string>();
  const walk = (parent: string, depth: number) => {
    for (const item of children.get(parent) ?? []) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      // rate, ceil and prio are tc's own keywords: they read the same in every language.
      const parts = [
        item.rate !== undefined ? `rate ${formatBitRate(item.rate, i18n)}` : '',
        item.ceil !== undefined ? `ceil ${formatBitRate(item.ceil, i18n)}` : '',
        item.priority !== undefined ? `prio ${item.priority}` : '',
      ].filter(Boolean);
      nodes.push({
        label: `${item.id}${item.name ? ` ${item.name}` : ''}`,
        ...(parts.length ? { detail: parts.join(' · ') } : {}),
        depth: Math.min(depth, 16),
      });
      walk(item.id, depth + 1);
    }
  };
  walk(root, 1);
  // Classes whose parent is not in the tree (malformed input) are still listed.
  for (const item of classes) if (!seen.has(item.id)) nodes.push({ label: item.id, depth: 1 });
  return nodes;
}

/** egress / ingress in the reader's language; anything else as given (data). */
function directionWord(direction: string, i18n: Translator): string {
  return direction === 'egress' || direction === 'ingress' ? i18n.t(`view.qos.directionName.${direction}`) : direction;
}

/** The blocks of a plan: clauses, warnings, class tree, diff, tc batch. */
export function planBlocks(plan: PlanSummary, i18n: Translator = english()): ViewBlock[] {
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(`view.qos.${key}`, vars);
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
        { label: t('interface'), value: asText(plan.interface) },
        { label: t('direction'), value: directionWord(asText(plan.direction), i18n) },
        ...(plan.device && plan.device !== plan.interface ? [{ label: t('shapedOn'), value: asText(plan.device) }] : []),
        { label: t('readBy'), value: asText(plan.interpretedBy) },
        { label: t('tcCommandsLabel'), value: formatNumber(asNumber(plan.commands) ?? 0, i18n) },
      ],
    },
  ];
  if (clauses.length) {
    blocks.push({
      type: 'table',
      title: t('intentSays'),
      columns: [
        { key: 'text', label: t('clause') },
        { key: 'action', label: t('action') },
        { key: 'application', label: t('traffic') },
        { key: 'rate', label: t('rate'), align: 'right' },
        { key: 'ceil', label: t('ceiling'), align: 'right' },
      ],
      rows: clauses.map((clause) => ({
        text: asText(clause.text),
        action: asText(clause.action),
        application: asText(clause.application) || asText(clause.template) || '—',
        rate: asNumber(clause.rate) !== null ? formatBitRate(asNumber(clause.rate), i18n) : '—',
        ceil: asNumber(clause.ceil) !== null ? formatBitRate(asNumber(clause.ceil), i18n) : '—',
      })),
    });
  }
  if (warnings.length) blocks.push({ type: 'text', title: t('warnings'), text: warnings.map((warning) => `• ${warning}`).join('\n') });
  if (classes.length) blocks.push({ type: 'tree', title: t('classTree'), nodes: classTree(classes, root, i18n) });
  if (diff) {
    blocks.push({
      type: 'diff',
      title: t('change'),
      removed: asArray(diff.removed).map(asText),
      added: asArray(diff.added).map(asText),
      unchanged: asNumber(diff.unchanged) ?? 0,
    });
  }
  if (batch || preparation.length)
    blocks.push({
      type: 'code',
      title: t('batch', { count: asNumber(plan.commands) ?? 0 }),
      language: 'tc',
      text: [...preparation.map((line) => t('before', { line })), batch].filter(Boolean).join('\n'),
      collapsed: true,
    });
  return blocks;
}

function planTone(plan: PlanSummary): Tone {
  return asArray(plan.warnings).length ? 'warning' : 'ok';
}

/** The headline of a plan: `key` is planHeadline, willShape or appliedOn (view.qos.*). */
function planHeadline(
  plan: PlanSummary,
  key: 'planHeadline' | 'willShape' | 'appliedOn',
  i18n: Translator,
  vars: Record<string, unknown> = {},
): string {
  const classes = asArray(asRecord(plan.policy)?.classes).length;
  return i18n.t(`view.qos.${key}`, {
    ...vars,
    interface: asText(plan.interface),
    direction: directionWord(asText(plan.direction), i18n),
    classes: i18n.t('view.qos.classes', { count: classes }),
    commands: i18n.t('view.qos.tcCommands', { count: asNumber(plan.commands) ?? 0 }),
  });
}

/** The view of a qos_plan result. */
export function qosPlanView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const plan = result.data as PlanSummary;
  return view('qos.plan', planHeadline(plan, 'planHeadline', i18n), planTone(plan), planBlocks(plan, i18n));
}

/** What approving a qos_apply will do: the plan, its diff and the exact commands. */
export function qosApplyPreview(plan: PlanSummary, confirmWithinMinutes?: number, i18n: Translator = english()): ResultView {
  return view('qos.apply.preview', planHeadline(plan, 'willShape', i18n), planTone(plan), [
    ...planBlocks(plan, i18n).map((block) => (block.type === 'code' ? { ...block, collapsed: false } : block)),
    confirmWithinMinutes ? { type: 'text', text: i18n.t('view.qos.rollbackUnless', { count: confirmWithinMinutes }) } : null,
  ]);
}

/** The view of a qos_apply result. */
export function qosApplyView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as { applicationId?: string; status?: string; confirmDeadline?: string | null; plan?: PlanSummary };
  const plan = data.plan;
  const status = asText(data.status);
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(`view.qos.${key}`, vars);
  return view(
    'qos.apply',
    plan ? planHeadline(plan, 'appliedOn', i18n, { status }) : t('applied', { status }),
    status === 'applied' || status === 'confirmed' ? 'ok' : status === 'pending_confirmation' ? 'pending' : 'warning',
    [
      {
        type: 'fields',
        fields: [
          { label: t('application'), value: asText(data.applicationId) },
          { label: t('status'), value: status },
          ...(data.confirmDeadline ? [{ label: t('confirmBefore'), value: asText(data.confirmDeadline) }] : []),
        ],
      },
      ...(plan ? planBlocks(plan, i18n) : []),
    ],
  );
}

/** The view of a qos_rollback or qos_confirm result (an application record). */
export function qosRecordView(
  result: ToolResult,
  action: 'rolledBack' | 'confirmed',
  i18n: Translator = english(),
): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const record = asRecord(result.data) ?? {};
  const status = asText(record.status);
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(`view.qos.${key}`, vars);
  return view('qos.application', t(action, { interface: asText(record.interface), status }), status === 'failed' ? 'critical' : 'ok', [
    {
      type: 'fields',
      fields: [
        { label: t('application'), value: asText(record.id) },
        { label: t('interface'), value: asText(record.interface) },
        { label: t('status'), value: status },
        ...(record.intent ? [{ label: t('intent'), value: asText(record.intent) }] : []),
        ...(record.error ? [{ label: t('error'), value: asText(record.error) }] : []),
      ],
    },
    record.batch ? { type: 'code', title: t('appliedBatch'), language: 'tc', text: asText(record.batch), collapsed: true } : null,
  ]);
}

/** The view of a qos_show result: live classes with statistics, recent applications. */
export function qosShowView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(`view.qos.${key}`, vars);
  if (result.status !== 'success') return undefined;
  const data = result.data as { state?: LiveState; capabilities?: { missing?: string[] }; applications?: Array<Record<string, unknown>> };
  const state = data.state;
  const classes = asArray(state?.classes) as LiveState['classes'];
  const missing = asArray(data.capabilities?.missing).map(asText);
  const applications = asArray(data.applications).map((item) => asRecord(item) ?? {});
  const drops = classes.reduce((sum, item) => sum + (item.statistics?.drops ?? 0), 0);
  const headline = t('showHeadline', {
    device: asText(state?.device),
    classes: t('classes', { count: classes.length }),
    drops: t('packetsDropped', { count: drops }),
  });
  return view('qos.show', headline, drops > 0 ? 'warning' : 'ok', [
    classes.length > 0 && {
      type: 'tree',
      title: t('classTree'),
      nodes: classTree(
        classes,
        asText(
          asArray(state?.qdiscs)
            .map(asRecord)
            .find((qdisc) => qdisc?.parent === 'root')?.handle,
        ) || '1:',
        i18n,
      ),
    },
    classes.length > 0 && {
      type: 'table',
      title: t('classesTitle'),
      columns: [
        { key: 'id', label: t('class') },
        { key: 'rate', label: t('rate'), align: 'right' },
        { key: 'ceil', label: t('ceiling'), align: 'right' },
        { key: 'sent', label: t('sent'), align: 'right' },
        { key: 'drops', label: t('drops'), align: 'right' },
        { key: 'overlimits', label: t('overlimits'), align: 'right' },
        { key: 'backlog', label: t('backlog'), align: 'right' },
      ],
      rows: classes.map((item) => ({
        id: item.id,
        rate: formatBitRate(item.rate, i18n),
        ceil: formatBitRate(item.ceil, i18n),
        sent: formatBytes(item.statistics?.bytes, i18n),
        drops: item.statistics?.drops ?? null,
        overlimits: item.statistics?.overlimits ?? null,
        backlog: formatBytes(item.statistics?.backlogBytes, i18n),
      })),
      rowTones: classes.map((item) => ((item.statistics?.drops ?? 0) > 0 ? 'warning' : 'neutral')),
    },
    missing.length > 0 && { type: 'text', title: t('missingFeatures'), text: missing.join(', ') },
    applications.length > 0 && {
      type: 'timeline',
      title: t('recent'),
      items: applications.map((item) => ({
        time: asText(item.createdAt),
        title: `${asText(item.status)}${item.intent ? `: ${asText(item.intent)}` : ''}`,
        detail: asText(item.id),
        tone: item.status === 'failed' ? 'critical' : item.status === 'rolled_back' ? 'warning' : 'ok',
      })),
    },
  ]);
}
