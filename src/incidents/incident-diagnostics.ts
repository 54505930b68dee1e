/**
 * Auto-diagnostics: a route's command templates (`net check {{instance}}`) filled from the
 * incident's labels and run through the tool pipeline as `system:incidents`, so every run is
 * audited like any other. Only read tools run: a template that resolves to anything else is
 * refused, and label values are substituted only when they look like a host, address or URL
 * (no spaces or quotes), so alert text can never add arguments or commands.
 */
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import { FINAL_STATUSES, type ExecutionView } from '../tools/pipeline/execution-view.js';
import type { DiagnosticLine, RunbookCitation } from './incident-summary.js';

const SAFE_VALUE = /^[\w.:/\-[\]%@?&=#~+,]{1,500}$/;

/** Fills `{{name}}` / `{{labels.name}}` from labels, or says which placeholder cannot be filled safely. */
export function renderTemplate(template: string, labels: Record<string, string>): { line: string } | { error: string } {
  let error: string | undefined;
  const line = template.replace(/\{\{\s*(?:labels\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_whole, name: string) => {
    const value = labels[name];
    if (value === undefined) error ??= `label "${name}" is missing`;
    else if (!SAFE_VALUE.test(value) || value.startsWith('-'))
      error ??= `label "${name}" has characters not allowed in a diagnostic argument`;
    return value ?? '';
  });
  return error ? { error } : { line };
}

function resultText(view: ExecutionView): string {
  const result = view.result as { status?: string; data?: unknown; message?: string; error?: { message?: string } } | null;
  if (!result) return view.status;
  if (result.error?.message) return result.error.message;
  if (result.message) return result.message;
  const data = result.data as { summary?: unknown; answer?: unknown } | undefined;
  if (data && typeof data.summary === 'string') return data.summary;
  return JSON.stringify(result.data ?? result.status).slice(0, 500);
}

/** Runs diagnostics through the pipeline and waits (bounded) for durable ones. */
export class IncidentDiagnostics {
  constructor(
    private readonly deps: {
      tools: ToolRuntime;
      logger: Logger;
      system: () => Promise<Principal>;
      waitMs?: number;
      onDuration?: (tool: string, seconds: number) => void;
    },
  ) {}

  /** Runs one template; never throws (failures are lines of the summary). */
  async run(
    template: string,
    labels: Record<string, string>,
    context: { conversationId: string | null; incidentId: string },
  ): Promise<DiagnosticLine> {
    const rendered = renderTemplate(template, labels);
    if ('error' in rendered) return { command: template, state: 'refused', text: rendered.error };
    const command = rendered.line;
    let routed;
    try {
      routed = this.deps.tools.router.route(command, 'operator');
    } catch (error) {
      return { command, state: 'refused', text: (error as Error).message };
    }
    if (routed.kind !== 'call') return { command, state: 'refused', text: 'not a tool command' };
    const registered = this.deps.tools.registry.resolve(routed.tool);
    if (!registered || registered.tool.risk !== 'read')
      return { command, state: 'refused', text: `${routed.tool} is not a read-only tool; diagnostics never change anything` };
    const started = performance.now();
    try {
      const system = await this.deps.system();
      let view = await this.deps.tools.executions.request(system, {
        tool: routed.tool,
        args: routed.args,
        channel: 'system',
        conversationId: context.conversationId,
        externalIds: { incidentId: context.incidentId },
      });
      const deadline = Date.now() + (this.deps.waitMs ?? 60_000);
      while (!FINAL_STATUSES.has(view.status) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        view = await this.deps.tools.executions.find(system, view.id);
      }
      this.deps.onDuration?.(routed.tool, (performance.now() - started) / 1000);
      const ok = view.status === 'succeeded' && (view.result as { status?: string } | null)?.status !== 'error';
      return { command, state: ok ? 'succeeded' : 'failed', text: resultText(view), executionId: view.id };
    } catch (error) {
      this.deps.logger.warn({ err: error, command, incidentId: context.incidentId }, 'incident diagnostic failed');
      return { command, state: 'failed', text: (error as Error).message.slice(0, 300) };
    }
  }

  /** Searches the knowledge base for the alert's runbook (through the pipeline too). */
  async runbook(
    alertName: string,
    context: { conversationId: string | null; incidentId: string },
  ): Promise<{ line: DiagnosticLine; citations: RunbookCitation[] }> {
    // Alert names are CamelCase or snake_case (CoreRouterDown, disk_full): split them into words.
    const query =
      alertName
        .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
        .replace(/(\p{L})(\p{N})/gu, '$1 $2')
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim()
        .slice(0, 200) || 'alert';
    const registered = this.deps.tools.registry.resolve('knowledge_search');
    const command = `knowledge_search "${query}"`;
    if (!registered) return { line: { command, state: 'refused', text: 'knowledge_search is not registered' }, citations: [] };
    try {
      const system = await this.deps.system();
      const view = await this.deps.tools.executions.request(system, {
        tool: 'knowledge_search',
        args: { query, limit: 3 },
        channel: 'system',
        conversationId: context.conversationId,
        externalIds: { incidentId: context.incidentId },
      });
      const result = view.result as {
        status?: string;
        data?: { citations?: Array<{ marker: string; source: string; text: string }> };
        message?: string;
      } | null;
      const citations = (result?.data?.citations ?? []).map((citation) => ({
        marker: citation.marker,
        source: citation.source,
        text: citation.text,
      }));
      return {
        line: {
          command,
          state: view.status === 'succeeded' ? 'succeeded' : 'failed',
          text: citations.length > 0 ? `${citations.length} passage(s) cited` : (result?.message ?? 'no runbook found'),
          executionId: view.id,
        },
        citations,
      };
    } catch (error) {
      this.deps.logger.warn({ err: error, incidentId: context.incidentId }, 'runbook search failed');
      return { line: { command, state: 'failed', text: (error as Error).message.slice(0, 300) }, citations: [] };
    }
  }
}
