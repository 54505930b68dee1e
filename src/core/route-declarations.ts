/**
 * What a route declaration is, in the core so capabilities declare their REST routes without
 * importing the server: the server's RouteTable implements RouteRegistrar (validation with
 * zod, role check, OpenAPI document), capabilities only call `add`.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Role } from '../auth/roles.js';

/** A zod object schema (params, query). */
export type AnyObject = z.ZodObject<z.ZodRawShape>;
/** The parsed type of an optional schema. */
export type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler receives: parsed input and the caller. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  request: Request;
  response: Response;
}

/** A documented, validated route. */
export interface RouteSpec<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path under /api, e.g. `/conversations/:id`. */
  path: string;
  summary: string;
  tag: string;
  description?: string;
  /** Lowest role allowed; viewer by default. */
  minRole?: Role;
  params?: P;
  query?: Q;
  body?: B;
  /** Status of a successful answer and its schema; `null` schema for an empty body (204). */
  success: { status: number; description: string; schema: z.ZodType | null };
  /** Extra error statuses this route can answer, beyond the ones every route has. */
  errors?: number[];
  /** Returns the body to send; `undefined` when the handler wrote the response itself. */
  handler: (input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<unknown>;
  /** Accepts `multipart/form-data` too: the form's fields (documented by `schema`) go to `handler`. */
  multipart?: {
    schema: z.ZodType;
    handler: (input: RouteInput<Infer<P>, Infer<Q>, undefined>) => Promise<unknown>;
  };
}

/** Where capabilities add their routes (the server's RouteTable under /api). */
export interface RouteRegistrar {
  /** The OpenAPI document's registry, for operations served outside the table (webhooks). */
  readonly registry: OpenAPIRegistry;
  /** Registers one route: handler and OpenAPI operation from one declaration. */
  add<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined>(spec: RouteSpec<P, Q, B>): void;
}
