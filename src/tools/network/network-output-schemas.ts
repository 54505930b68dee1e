/**
 * Output schemas of the network tools: the `data` of a success. Extra keys pass; the keys
 * listed are the ones the views, the agent and the incident diagnostics rely on.
 */
import { z } from 'zod';
import { findingSchema } from '../tool-output-shapes.js';

/** net_check and net_path: a stored report with its findings. */
export const networkReportOutput = z.object({
  reportId: z.string().optional(),
  summary: z.string(),
  durationMs: z.number(),
  findings: z.array(findingSchema),
});

/** net_interfaces: this host's interfaces. */
export const interfacesOutput = z.object({
  interfaces: z.array(z.object({ name: z.string(), state: z.string() })),
});

/** net_snmp_poll: per-device interface rates and findings. */
export const snmpOutput = z.object({
  durationMs: z.number(),
  devices: z.array(z.object({ address: z.string() })),
  findings: z.array(findingSchema),
});
