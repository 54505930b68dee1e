/**
 * The network toolset: `net_check`, `net_path`, `net_interfaces` and `net_snmp_poll`, all
 * read-only and guarded (allowlist, bounds, per-user rate limit). Probe runs are stored so
 * "compare with yesterday" works from chat as from REST.
 */
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { ToolsetDependencies } from '../toolset-dependencies.js';
import { defineTool, type ToolContext, type ToolResult, type Toolset } from '../tool-contract.js';
import { readInterfaceInventory } from './interface-inventory.js';
import { NetworkAnalyzer, type AnalysisReport } from './network-analyzer.js';
import { checkListInput, portListInput, targetListInput, toList, toPorts, type CHECK_NAMES } from './network-schemas.js';
import { networkSettings } from './network-settings.js';
import { interfacesView, networkReportView, probePreview, snmpView } from './network-views.js';
import { NetworkRefusal, refusalError } from './network-refusal.js';
import { ReportStore } from './report-store.js';
import { SnmpMonitor } from './snmp-monitor.js';
import { networkReportOutput, interfacesOutput, snmpOutput } from './network-output-schemas.js';

const INSTRUCTIONS =
  'For "is it the network?" questions use net_check (reachability, latency, loss, ports) and net_path (per-hop latency, path MTU); ' +
  "net_interfaces shows this host's interfaces and routes; net_snmp_poll reads device interface counters. Only allowlisted targets can be probed; quote the evidence of the findings.";

/** Maps guardrail refusals to tool errors (data for the model), rethrowing the unexpected. */
async function asToolResult<T>(work: () => Promise<T>): Promise<ToolResult<T>> {
  try {
    return { status: 'success', data: await work() };
  } catch (error) {
    if (error instanceof AppError) return { status: 'error', error: refusalError(error) };
    throw error;
  }
}

const reportView = (report: AnalysisReport) => ({
  reportId: report.id,
  summary: report.summary,
  findings: report.findings,
  measurements: report.measurements,
  durationMs: report.durationMs,
});

const netCheckSchema = z
  .object({
    targets: targetListInput.describe('IPv4 addresses or host names: an array, or one comma-separated string'),
    ports: portListInput.optional().describe('TCP ports: numbers or ranges like "8000-8010", or one string such as "22,443"'),
    checks: checkListInput.optional().describe('ping, tcp, dns, http, path (default ping, plus tcp with ports)'),
    count: z.coerce.number().int().min(1).max(500).optional().describe('ICMP probes per target'),
    timeoutMs: z.coerce.number().int().min(100).max(30_000).optional(),
  })
  .strict();

const snmpSchema = z
  .object({
    targets: targetListInput.describe('SNMP agents (IPv4 or names): an array or one comma-separated string'),
    version: z.enum(['2c', '3']).default('2c'),
    community: z.string().min(1).max(64).optional(),
    user: z.string().min(1).max(32).optional(),
    level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).optional(),
    authProtocol: z.enum(['md5', 'sha', 'sha256', 'sha512']).optional(),
    authKey: z.string().min(8).max(128).optional(),
    privProtocol: z.enum(['des', 'aes']).optional(),
    privKey: z.string().min(8).max(128).optional(),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    polls: z.coerce.number().int().min(2).max(10).default(2),
    intervalSeconds: z.coerce.number().min(1).max(60).default(5),
  })
  .strict();

/** Builds the network toolset from the composition root's components. */
export function networkToolset(
  dependencies: Pick<ToolsetDependencies, 'config' | 'database' | 'logger'>,
  analyzer?: NetworkAnalyzer,
): Toolset {
  const engine = analyzer ?? new NetworkAnalyzer({ settings: networkSettings(dependencies.config), logger: dependencies.logger });
  const store = new ReportStore(dependencies.database.prisma);
  const monitor = new SnmpMonitor();
  const save = (report: AnalysisReport, context: ToolContext) =>
    store.save(report, { userId: context.principal.userId, channel: context.channel });

  return {
    name: 'network',
    description: 'Network analysis: reachability, latency, loss, ports, paths, interfaces and SNMP counters.',
    instructions: INSTRUCTIONS,
    async checkPrerequisites() {
      const missing: string[] = [];
      for (const binary of ['/usr/bin/ping', '/usr/bin/tracepath', '/usr/sbin/ip']) await access(binary).catch(() => missing.push(binary));
      return missing.length === 0 ? { ok: true } : { ok: false, detail: `missing ${missing.join(', ')}` };
    },
    tools: [
      defineTool({
        name: 'net_check',
        description:
          'Measures reachability (ICMP loss, latency, jitter), TCP ports, DNS and HTTP for allowlisted targets, and explains the findings.',
        inputSchema: netCheckSchema,
        outputSchema: networkReportOutput,
        risk: 'read',
        minRole: 'operator',
        timeoutMs: 120_000,
        aliases: ['net check', 'ping', 'netcheck', 'réseau vérifier', 'reseau verifier'],
        positional: ['targets'],
        examples: ['net check 10.0.0.1 ports=22,443', 'net check db1.lab,db2.lab count=20'],
        view: (_input, result, i18n) => networkReportView(result, i18n),
        preview: async (input, context) => probePreview(input, 'net check', context.i18n),
        execute: (input, context) =>
          asToolResult(async () => {
            const ports = input.ports === undefined ? undefined : toPorts(input.ports);
            const checks = (input.checks ? toList(input.checks) : ports?.length ? ['ping', 'tcp'] : ['ping']) as Array<
              (typeof CHECK_NAMES)[number]
            >;
            const report = await engine.analyze(
              { targets: toList(input.targets), checks, options: { ports, count: input.count, timeoutMs: input.timeoutMs } },
              { userId: context.principal.userId, signal: context.signal },
            );
            return reportView(await save(report, context));
          }),
      }),
      defineTool({
        name: 'net_path',
        description: 'Traces the path to an allowlisted target: per-hop latency, the slowest hop, path MTU and the local route used.',
        inputSchema: z
          .object({ target: z.string().trim().min(1).max(253), maxHops: z.coerce.number().int().min(1).max(30).optional() })
          .strict(),
        outputSchema: networkReportOutput,
        risk: 'read',
        minRole: 'operator',
        timeoutMs: 90_000,
        aliases: ['net path', 'traceroute', 'tracepath'],
        positional: ['target'],
        examples: ['net path 10.0.2.2'],
        view: (_input, result, i18n) => networkReportView(result, i18n),
        preview: async (input, context) => probePreview({ targets: input.target }, 'net path', context.i18n),
        execute: (input, context) =>
          asToolResult(async () => {
            const report = await engine.analyze(
              { targets: [input.target], checks: ['path', 'ping'], options: { maxHops: input.maxHops, count: 5 } },
              { userId: context.principal.userId, signal: context.signal },
            );
            return reportView(await save(report, context));
          }),
      }),
      defineTool({
        name: 'net_interfaces',
        description: "This host's interfaces (state, MTU, addresses, error and drop counters), routes and neighbours.",
        inputSchema: z
          .object({
            name: z
              .string()
              .regex(/^[\w.@-]{1,15}$/, 'an interface name')
              .optional(),
          })
          .strict(),
        outputSchema: interfacesOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 15_000,
        aliases: ['net interfaces', 'interfaces'],
        positional: ['name'],
        examples: ['net interfaces', 'net interfaces eth0'],
        view: (_input, result, i18n) => interfacesView(result, i18n),
        execute: (input, context) =>
          asToolResult(async () => {
            const inventory = await readInterfaceInventory(engine.runner, context.signal);
            if (!input.name) return inventory;
            return {
              ...inventory,
              interfaces: inventory.interfaces.filter((entry) => entry.name === input.name),
              routes: inventory.routes.filter((route) => route.dev === input.name),
            };
          }),
      }),
      defineTool({
        name: 'net_snmp_poll',
        description:
          'Polls IF-MIB interface counters of allowlisted SNMP agents (v2c or v3) and reports utilisation, errors, discards and anomalies.',
        inputSchema: snmpSchema,
        outputSchema: snmpOutput,
        risk: 'read',
        minRole: 'operator',
        timeoutMs: 120_000,
        aliases: ['net snmp', 'snmp poll'],
        positional: ['targets'],
        view: (_input, result, i18n) => snmpView(result, i18n),
        preview: async (input, context) =>
          probePreview(
            {
              targets: input.targets,
              ports: input.port ?? 161,
              checks: context.i18n.t('view.network.snmpPolls', { version: input.version }),
            },
            'net snmp',
            context.i18n,
          ),
        examples: [
          'net snmp 10.0.0.1 community=public',
          'net snmp 10.0.0.1 version=3 user=ops level=authPriv authProtocol=sha authKey=… privProtocol=aes privKey=…',
        ],
        execute: (input, context) =>
          asToolResult(async () => {
            if (input.version === '3' && !input.user)
              throw new NetworkRefusal('validation_error', 'SNMPv3 needs user=', 'snmp.needsUser', {});
            const targets = toList(input.targets);
            if (targets.length > 32)
              throw new NetworkRefusal('validation_error', 'At most 32 SNMP agents per poll', 'limit.snmpAgents', {
                limit: 32,
                got: targets.length,
              });
            await engine.consumeRate(context.principal.userId);
            const admitted = await engine.admitTargets(targets);
            const user =
              input.version === '3'
                ? {
                    name: input.user ?? '',
                    level: input.level ?? 'authPriv',
                    authProtocol: input.authProtocol,
                    authKey: input.authKey,
                    privProtocol: input.privProtocol,
                    privKey: input.privKey,
                  }
                : undefined;
            return monitor.analyse(
              admitted.map((target) => ({
                address: target.address,
                port: input.port,
                version: input.version,
                community: input.community,
                user,
              })),
              {
                polls: input.polls,
                intervalMs: input.intervalSeconds * 1000,
                concurrency: Math.min(engine.settings.maxConcurrency, 32),
                timeoutMs: 3_000,
                signal: context.signal,
              },
            );
          }),
      }),
    ],
  };
}
