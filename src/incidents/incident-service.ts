/**
 * The incident flow: a notification is stored (one transaction) and audited, then, off the
 * request, its thread is posted or edited and — for a new incident — the route's diagnostics
 * and runbook search run and the summary is edited in place as each result arrives. Work on
 * one incident is chained so its edits never overtake each other.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { AlertNotification } from './alert-payloads.js';
import type { IncidentAnalysis, IncidentAnalyst } from './incident-analysis.js';
import type { IncidentDiagnostics } from './incident-diagnostics.js';
import type { IncidentMetrics } from './incident-metrics.js';
import type { CompiledRoute, IncidentRouting } from './incident-routing.js';
import type { IncidentActor, IncidentStore, IncidentView, IngestOutcome } from './incident-store.js';
import type { DiagnosticLine, IncidentSummary, RunbookCitation } from './incident-summary.js';
import type { IncidentThreads } from './incident-threads.js';

/** The name of the principal incidents act as. */
export const SYSTEM_PRINCIPAL_NAME = 'system:incidents';

/** Ensures the `system:incidents` (or `system:schedules`) user exists (operator: its proposals still need approval) and returns its principal. */
export function systemPrincipal(prisma: PrismaClient, name = SYSTEM_PRINCIPAL_NAME): () => Promise<Principal> {
  let pending: Promise<Principal> | undefined;
  return () => {
    pending ??= prisma.user
      .upsert({
        where: { name },
        create: { name, displayName: name === SYSTEM_PRINCIPAL_NAME ? 'Vigie incidents' : 'Vigie schedules', role: 'operator' },
        update: {},
      })
      .then((user) => ({ userId: user.id, userName: user.name, role: 'operator' as const, tokenId: null }));
    pending.catch(() => (pending = undefined));
    return pending;
  };
}

/** What chat adapters call when someone clicks Acknowledge or Resolve. */
export type IncidentActions = Pick<IncidentService, 'act'>;

/** Wires store, routing, threads and diagnostics together. */
export class IncidentService {
  private readonly chains = new Map<string, Promise<void>>();
  private analyst: IncidentAnalyst | undefined;

  constructor(
    private readonly deps: {
      store: IncidentStore;
      routing: IncidentRouting;
      threads: IncidentThreads;
      diagnostics: IncidentDiagnostics;
      audit: AuditLog;
      metrics: IncidentMetrics;
      logger: Logger;
    },
  ) {}

  /** Applies notifications (already validated) and schedules their thread work. */
  async receive(
    notifications: AlertNotification[],
    hook: { id: string | null; name: string },
    receivedAt = performance.now(),
  ): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = [];
    for (const notification of notifications) {
      const route = this.deps.routing.select(notification.labels);
      const outcome = await this.deps.store.ingest(notification, { hookId: hook.id, route: route.name });
      outcomes.push(outcome);
      if (outcome.transition === 'ignored') continue;
      const incident = outcome.incident;
      this.deps.metrics.transitions.inc({ source: notification.source, transition: outcome.transition });
      await this.deps.audit.append({
        action: `incident.${outcome.transition}`,
        channel: 'system',
        actorName: `${notification.source}:${hook.name}`.slice(0, 200),
        details: {
          incidentId: incident.id,
          source: incident.source,
          groupKey: incident.groupKey.slice(0, 300),
          status: incident.status,
          route: route.name,
          ...(incident.previousId && outcome.transition === 'opened' ? { reopens: incident.previousId } : {}),
        },
      });
      this.enqueue(incident.id, () => this.followUp(outcome.transition, incident, route, receivedAt));
    }
    return outcomes;
  }

  /** Acknowledge or resolve by a person (API, console, Slack, Discord). */
  async act(id: string, to: 'acknowledged' | 'resolved', actor: IncidentActor): Promise<IncidentView> {
    const incident = await this.deps.store.transition(id, to, actor);
    this.deps.metrics.transitions.inc({ source: incident.source, transition: to });
    await this.deps.audit.append({
      action: `incident.${to}`,
      channel: actor.channel,
      actorId: actor.userId ?? null,
      actorName: actor.name,
      conversationId: incident.conversationId,
      details: { incidentId: id },
    });
    const route = this.routeOf(incident);
    this.enqueue(id, () => this.republish(incident.id, route));
    return incident;
  }

  /** Sets (or clears) the model analyst; main.ts sets it once the agent has a model. */
  setAnalyst(analyst: IncidentAnalyst | undefined): void {
    this.analyst = analyst;
  }

  /** Resolves once every scheduled thread update has finished (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private routeOf(incident: IncidentView): CompiledRoute {
    return this.deps.routing.list().find((route) => route.name === incident.route) ?? this.deps.routing.select(incident.labels);
  }

  private enqueue(id: string, work: () => Promise<void>): void {
    const next = (this.chains.get(id) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => this.deps.logger.error({ err: error, incidentId: id }, 'incident follow-up failed'));
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  /** Rebuilds the summary from the stored incident and its timeline (so any node can edit it). */
  private async summary(id: string): Promise<IncidentSummary> {
    const [incident, timeline] = await Promise.all([this.deps.store.find(id), this.deps.store.timeline(id)]);
    const diagnostics = new Map<string, DiagnosticLine>();
    let runbook: RunbookCitation[] = [];
    let analysis: IncidentSummary['analysis'];
    for (const entry of timeline) {
      if (entry.kind === 'analysis') {
        const details = entry.details as unknown as IncidentAnalysis;
        analysis = {
          text: String(details.text),
          pending: (details.executions ?? [])
            .filter((execution) => execution.status === 'pending_approval')
            .map((execution) => `${execution.tool} (${execution.id})`),
        };
      }
      if (entry.kind === 'diagnostic') diagnostics.set(String(entry.details.command), entry.details as unknown as DiagnosticLine);
      if (entry.kind === 'runbook') runbook = (entry.details.citations as RunbookCitation[]) ?? [];
    }
    return { incident, diagnostics: [...diagnostics.values()], runbook, ...(analysis ? { analysis } : {}) };
  }

  private async republish(id: string, route: CompiledRoute): Promise<void> {
    await this.deps.threads.publish(await this.summary(id), route);
  }

  private async followUp(
    transition: IngestOutcome['transition'],
    incident: IncidentView,
    route: CompiledRoute,
    receivedAt: number,
  ): Promise<void> {
    if (transition !== 'opened') {
      await this.republish(incident.id, route);
      return;
    }
    const system = { name: 'system:incidents', channel: 'system' as const };
    // First summary at once, diagnostics shown as running.
    const pending = route.diagnostics.map((template) => ({ command: template, state: 'running' as const, text: '' }));
    const first = await this.summary(incident.id);
    await this.deps.threads.publish({ ...first, diagnostics: pending }, route);
    this.deps.metrics.firstSummary.observe({ source: incident.source }, (performance.now() - receivedAt) / 1000);
    await this.deps.store.note(incident.id, 'summary_posted', system, {
      channels: [route.console ? 'console' : null, route.slack ? 'slack' : null, route.discord ? 'discord' : null].filter(Boolean),
    });
    const current = await this.deps.store.find(incident.id);
    const context = { conversationId: current.conversationId, incidentId: incident.id };
    const runs: Array<Promise<void>> = route.diagnostics.map(async (template) => {
      const line = await this.deps.diagnostics.run(template, current.labels, context);
      await this.deps.store.note(incident.id, 'diagnostic', system, { ...line, template });
    });
    if (route.runbookSearch) {
      runs.push(
        (async () => {
          const { line, citations } = await this.deps.diagnostics.runbook(current.alertName, context);
          await this.deps.store.note(incident.id, 'diagnostic', system, { ...line });
          await this.deps.store.note(incident.id, 'runbook', system, { citations });
        })(),
      );
    }
    // Each result edits the summary in place as it arrives; edits are serialised here.
    let edits = Promise.resolve();
    await Promise.all(
      runs.map((run) =>
        run.then(() => {
          edits = edits.then(() => this.republish(incident.id, route));
          return edits;
        }),
      ),
    );
    if (this.analyst) await this.analyse(incident.id, route, this.analyst);
  }

  /** The model's analysis once the diagnostics are in; a failure is logged and noted, never fatal. */
  private async analyse(id: string, route: CompiledRoute, analyst: IncidentAnalyst): Promise<void> {
    const system = { name: 'system:incidents', channel: 'system' as const };
    try {
      const analysis = await analyst(await this.summary(id));
      if (!analysis) return;
      await this.deps.store.note(id, 'analysis', system, { text: analysis.text, executions: analysis.executions });
    } catch (error) {
      this.deps.logger.warn({ err: error, incidentId: id }, 'incident analysis failed');
      await this.deps.store.note(id, 'analysis_failed', system, { error: (error as Error).message.slice(0, 300) });
      return;
    }
    await this.republish(id, route);
  }
}
