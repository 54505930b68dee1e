/**
 * /api/hooks (admins: alert sources and their tokens), /api/incidents (list with filters and
 * cursor pages, one incident with its timeline, acknowledge and resolve) and
 * /api/incident-routes (the routing table: read, replace after validation).
 */
import { z } from 'zod';
import type { RouteRegistrar } from '../core/route-declarations.js';
import { idParams } from '../contracts/common-schemas.js';
import { alertmanagerPayloadSchema, grafanaPayloadSchema } from './alert-payloads.js';
import { hookInputSchema, type HookTokens } from './hook-tokens.js';
import type { IncidentRouting } from './incident-routing.js';
import type { IncidentService } from './incident-service.js';
import { INCIDENT_STATUSES, type IncidentStore } from './incident-store.js';

const hookSchema = z
  .object({
    id: z.uuid(),
    source: z.enum(['alertmanager', 'grafana']),
    name: z.string(),
    prefix: z.string(),
    signed: z.boolean(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'IncidentHook' });

const incidentSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    groupKey: z.string(),
    fingerprints: z.array(z.string()),
    status: z.enum(INCIDENT_STATUSES),
    severity: z.string(),
    alertName: z.string(),
    labels: z.record(z.string(), z.string()).meta({ description: 'Untrusted: from the alert source' }),
    annotations: z.record(z.string(), z.string()).meta({ description: 'Untrusted: from the alert source' }),
    route: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    notifications: z.number().int(),
    conversationId: z.string().nullable(),
    previousId: z.string().nullable(),
    threads: z.record(z.string(), z.unknown()),
    acknowledgedBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Incident' });

const timelineSchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.string(),
  actor: z.string(),
  channel: z.string(),
  details: z.record(z.string(), z.unknown()),
});

const actionBody = z.object({ channel: z.enum(['api', 'console']).default('api') }).strict();

/** What the incident routes call into. */
export interface IncidentRouteDeps {
  hooks: HookTokens;
  store: IncidentStore;
  service: IncidentService;
  routing: IncidentRouting;
}

/** Registers the incident routes (and documents the webhooks, which hookRouter serves). */
export function incidentRoutes(routes: RouteRegistrar, deps: IncidentRouteDeps): void {
  for (const [source, schema, extra] of [
    ['alertmanager', alertmanagerPayloadSchema, 'Alertmanager webhook payload version 4.'],
    [
      'grafana',
      grafanaPayloadSchema,
      'Grafana unified alerting webhook; with a secret, X-Grafana-Alerting-Signature = hex HMAC-SHA256 of "<X-Grafana-Alerting-Timestamp>:<body>".',
    ],
  ] as const) {
    routes.registry.registerPath({
      method: 'post',
      path: `/api/hooks/${source}`,
      summary: `Receive ${source} alerts (bearer: the source's vigh_ token, not a user token)`,
      description: `${extra} 401 bad token or signature, 400 naming the field, 413 over BODY_LIMIT; nothing is written unless every check passes.`,
      tags: ['Incidents'],
      security: [{ bearerAuth: [] }],
      request: { body: { required: true, content: { 'application/json': { schema: schema as never } } } },
      responses: {
        200: {
          description: 'Incidents opened, updated or resolved',
          content: {
            'application/json': {
              schema: z.object({
                incidents: z.array(z.object({ id: z.uuid(), status: z.enum(INCIDENT_STATUSES), transition: z.string() })),
              }) as never,
            },
          },
        },
        400: { description: 'Malformed payload (field named)' },
        401: { description: 'Bad token or signature' },
        413: { description: 'Body larger than BODY_LIMIT' },
      },
    });
  }
  routes.add({
    method: 'post',
    path: '/hooks',
    tag: 'Incidents',
    minRole: 'admin',
    summary: 'Create an alert source and its bearer token (shown once)',
    description:
      'Alertmanager: put the token in http_config.authorization.credentials. Grafana: the same token, plus an optional HMAC secret.',
    body: hookInputSchema,
    errors: [409],
    success: { status: 201, description: 'The source with its token', schema: hookSchema.extend({ token: z.string() }) },
    handler: ({ body, principal }) => deps.hooks.create(principal, body),
  });

  routes.add({
    method: 'get',
    path: '/hooks',
    tag: 'Incidents',
    minRole: 'admin',
    summary: 'List alert sources (never their tokens)',
    success: { status: 200, description: 'Sources', schema: z.object({ data: z.array(hookSchema) }) },
    handler: async () => ({ data: await deps.hooks.list() }),
  });

  routes.add({
    method: 'delete',
    path: '/hooks/:id',
    tag: 'Incidents',
    minRole: 'admin',
    summary: 'Revoke an alert source token',
    params: idParams,
    success: { status: 200, description: 'The revoked source', schema: hookSchema },
    handler: ({ params, principal }) => deps.hooks.revoke(principal, params.id),
  });

  routes.add({
    method: 'get',
    path: '/incidents',
    tag: 'Incidents',
    summary: 'Incidents, newest first, with filters and cursor pagination',
    query: z
      .object({
        status: z.enum(INCIDENT_STATUSES).optional(),
        source: z.enum(['alertmanager', 'grafana', 'schedule']).optional(),
        severity: z.string().max(50).optional(),
        alertName: z.string().max(200).optional(),
        groupKey: z.string().max(1000).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().max(200).optional(),
      })
      .strict(),
    success: {
      status: 200,
      description: 'A page of incidents',
      schema: z.object({ data: z.array(incidentSchema), nextCursor: z.string().nullable() }),
    },
    handler: ({ query }) => deps.store.list(query),
  });

  routes.add({
    method: 'get',
    path: '/incidents/:id',
    tag: 'Incidents',
    summary: 'One incident and its timeline',
    params: idParams,
    success: {
      status: 200,
      description: 'The incident',
      schema: z.object({ incident: incidentSchema, timeline: z.array(timelineSchema) }),
    },
    handler: async ({ params }) => ({ incident: await deps.store.find(params.id), timeline: await deps.store.timeline(params.id) }),
  });

  for (const [action, status] of [
    ['acknowledge', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    routes.add({
      method: 'post',
      path: `/incidents/:id/${action}`,
      tag: 'Incidents',
      minRole: 'operator',
      summary: `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an incident (who did it goes to the timeline and the audit)`,
      params: idParams,
      // The console says so, so the timeline and audit show where the click came from.
      body: actionBody,
      errors: [409],
      success: { status: 200, description: 'The incident', schema: incidentSchema },
      handler: ({ params, body, principal }) =>
        deps.service.act(params.id, status, { name: principal.userName, userId: principal.userId, channel: body.channel }),
    });
  }

  routes.add({
    method: 'get',
    path: '/incident-routes',
    tag: 'Incidents',
    minRole: 'operator',
    summary: 'The incident routing table in force',
    success: { status: 200, description: 'Routes', schema: z.object({ routes: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async () => ({ routes: deps.routing.list().map(({ compiled: _compiled, ...route }) => route) }),
  });

  routes.add({
    method: 'put',
    path: '/incident-routes',
    tag: 'Incidents',
    minRole: 'admin',
    summary: 'Replace the incident routing table (validated whole; nothing applied on error)',
    body: z.object({ routes: z.array(z.unknown()) }),
    success: { status: 200, description: 'Routes', schema: z.object({ routes: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ request }) => ({ routes: deps.routing.replace(request.body).map(({ compiled: _compiled, ...route }) => route) }),
  });
}
