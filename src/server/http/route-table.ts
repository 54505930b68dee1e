/**
 * One declaration per route gives both the Express handler (validated with zod) and its
 * OpenAPI operation, so the documentation cannot drift from what the server accepts.
 */
import type { Request, Response, Router } from 'express';
import type { AnyObject, Infer, RouteRegistrar, RouteSpec } from '../../core/route-declarations.js';
import { z } from 'zod';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { UnauthorizedError, UnsupportedMediaTypeError } from '../../errors.js';
import { assertMay } from '../../auth/policy.js';
import { parseOrThrow } from '../../core/validation.js';

export type { RouteInput, RouteSpec } from '../../core/route-declarations.js';

/** The error envelope, shared by every error response in the document. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_error' }),
      message: z.string().meta({ example: 'Invalid body.title: Too small: expected string to have >=1 characters' }),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (body, query or path), with the field path in details',
  401: 'Missing, invalid or revoked bearer token',
  403: 'The token role does not allow this action',
  404: 'Not found, or not visible to this caller',
  409: 'Conflicts with existing state',
  413: 'Request body larger than BODY_LIMIT',
  415: 'Content-Type is not application/json',
  429: 'Rate limit exceeded for this token or address (Retry-After header)',
  500: 'Internal error; details are logged, never returned',
  503: 'A dependency is unavailable or saturated',
};

/** Collects routes into an Express router and an OpenAPI registry. */
export class RouteTable implements RouteRegistrar {
  readonly registry = new OpenAPIRegistry();

  constructor(private readonly router: Router) {
    this.registry.registerComponent('securitySchemes', 'bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API token (vig_…) minted by an admin or printed at first start.',
    });
  }

  /** Registers one route. */
  add<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined>(spec: RouteSpec<P, Q, B>): void {
    this.document(spec);
    const minRole = spec.minRole ?? 'viewer';
    const routeLabel = '/api' + spec.path;
    this.router[spec.method](spec.path, async (request: Request, response: Response) => {
      // Recorded for metrics: the error handler runs outside the router, where the match is lost.
      response.locals.route = routeLabel;
      const principal = request.principal;
      if (!principal) throw new UnauthorizedError();
      assertMay(principal, 'route.call', `This action requires the ${minRole} role`, { minRole });
      const params = spec.params ? parseOrThrow(spec.params, request.params, 'path') : undefined;
      const query = spec.query ? parseOrThrow(spec.query, request.query, 'query') : undefined;
      const isMultipart = typeof request.is('multipart/form-data') === 'string';
      if (isMultipart && !spec.multipart) throw new UnsupportedMediaTypeError();
      const input = { params: params as Infer<P>, query: query as Infer<Q>, principal, request, response };
      const result = isMultipart
        ? await spec.multipart!.handler({ ...input, body: undefined })
        : await spec.handler({
            ...input,
            body: (spec.body ? parseOrThrow(spec.body, request.body ?? {}, 'body') : undefined) as Infer<B>,
          });
      if (result === undefined && response.headersSent) return;
      if (spec.success.schema === null) response.status(spec.success.status).end();
      else response.status(spec.success.status).json(result);
    });
  }

  private document(spec: RouteSpec<AnyObject | undefined, AnyObject | undefined, z.ZodType | undefined>): void {
    const statuses = new Set([400, 401, 429, 500, ...(spec.errors ?? [])]);
    if ((spec.minRole ?? 'viewer') !== 'viewer') statuses.add(403);
    if (spec.params) statuses.add(404);
    if (spec.body) {
      statuses.add(413);
      statuses.add(415);
    }
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {
      [spec.success.status]: spec.success.schema
        ? { description: spec.success.description, content: { 'application/json': { schema: spec.success.schema } } }
        : { description: spec.success.description },
    };
    for (const status of [...statuses].sort()) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: errorResponseSchema } },
      };
    }
    this.registry.registerPath({
      method: spec.method,
      path: '/api' + spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      security: [{ bearerAuth: [] }],
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body
          ? {
              body: {
                required: true,
                content: spec.multipart
                  ? { 'application/json': { schema: spec.body }, 'multipart/form-data': { schema: spec.multipart.schema } }
                  : { 'application/json': { schema: spec.body } },
              },
            }
          : {}),
      },
      responses,
    } as RouteConfig);
  }
}
