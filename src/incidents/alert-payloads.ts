/**
 * The two alert payloads Vigie accepts, parsed with zod at the boundary and normalised into
 * one notification shape, so the incident store never sees a source-specific field. Every
 * string is bounded: alert text is untrusted input from whoever can reach the alert source.
 */
import { z } from 'zod';

/** Where a notification came from. */
export type AlertSource = 'alertmanager' | 'grafana';

const labelName = z.string().min(1).max(200);
const labelMap = z.record(labelName, z.string().max(4_000)).refine((value) => Object.keys(value).length <= 100, 'at most 100 entries');
const timestamp = z
  .string()
  .max(64)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 timestamp');

const alertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().max(4_000).optional(),
  fingerprint: z.string().min(1).max(64),
});

/** Alertmanager's webhook body, payload version 4. */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'must be "4" (Alertmanager webhook payload version 4)' }),
  groupKey: z.string().min(1).max(1_000),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(200),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().max(4_000).optional(),
  alerts: z.array(alertmanagerAlert).min(1).max(1_000),
});

/** Grafana unified alerting's webhook body (version "1"); only the fields Vigie reads are required. */
export const grafanaPayloadSchema = z.object({
  receiver: z.string().max(200).optional(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().int().optional(),
  groupKey: z.string().min(1).max(1_000),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().max(4_000).optional(),
  version: z.string().max(10).optional(),
  title: z.string().max(1_000).optional(),
  message: z.string().max(20_000).optional(),
  alerts: z
    .array(
      alertmanagerAlert.extend({
        values: z.record(z.string(), z.number().nullable()).nullable().optional(),
        dashboardURL: z.string().max(4_000).optional(),
        panelURL: z.string().max(4_000).optional(),
        silenceURL: z.string().max(4_000).optional(),
      }),
    )
    .min(1)
    .max(1_000),
});

/** One alert of a notification. */
export interface NormalizedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
}

/** A notification in source-neutral form. */
export interface AlertNotification {
  /** A webhook source, or `schedule` for a scheduled check (src/incidents/schedule-service.ts). */
  source: AlertSource | 'schedule';
  groupKey: string;
  status: 'firing' | 'resolved';
  alertName: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alerts: NormalizedAlert[];
}

// Alertmanager sends 0001-01-01T00:00:00Z as endsAt of a firing alert: "no end".
const endOf = (value: string | undefined) => {
  if (!value) return null;
  const date = new Date(value);
  return date.getUTCFullYear() < 1971 ? null : date;
};

/** Turns a parsed Alertmanager or Grafana body into a notification. */
export function normalizeNotification(
  source: AlertSource,
  payload: z.output<typeof alertmanagerPayloadSchema> | z.output<typeof grafanaPayloadSchema>,
): AlertNotification {
  const alerts = payload.alerts.map((alert) => ({
    fingerprint: alert.fingerprint,
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt),
    endsAt: endOf(alert.endsAt),
  }));
  const labels = { ...payload.groupLabels, ...payload.commonLabels };
  const first = alerts[0]!;
  const title = 'title' in payload ? payload.title : undefined;
  return {
    source,
    groupKey: payload.groupKey,
    status: payload.status,
    alertName: (labels['alertname'] ?? first.labels['alertname'] ?? title ?? 'alert').slice(0, 200),
    severity: (labels['severity'] ?? first.labels['severity'] ?? 'none').slice(0, 50),
    labels: Object.keys(labels).length > 0 ? labels : first.labels,
    annotations: Object.keys(payload.commonAnnotations).length > 0 ? payload.commonAnnotations : first.annotations,
    alerts,
  };
}
