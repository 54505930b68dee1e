/**
 * Where an incident's thread goes and what it investigates: an ordered list of routes, each
 * with label matchers; the first route whose matchers all hold wins (an incident matching
 * none goes to the console only). Loaded from the INCIDENT_ROUTES file or set over the API,
 * validated with zod either way so a typo is reported with its path, never half-applied.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { issuesToDetails } from '../core/validation.js';
import { matches, parseMatcher, type LabelMatcher } from './label-matchers.js';

const matcherText = z.string().superRefine((text, context) => {
  const parsed = parseMatcher(text);
  if ('error' in parsed) context.addIssue({ code: 'custom', message: parsed.error });
});

/** A diagnostic command line with `{{label}}` or `{{labels.name}}` placeholders. */
const diagnosticTemplate = z
  .string()
  .min(1)
  .max(300)
  .refine(
    (text) => [...text.matchAll(/\{\{\s*([^}]*)\s*\}\}/g)].every((match) => /^(?:labels\.)?[A-Za-z_][A-Za-z0-9_]*$/.test(match[1]!.trim())),
    'placeholders must be {{name}} or {{labels.name}}',
  );

/** One route as written. */
export const routeSchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,100}$/, 'must be 1 to 100 letters, digits, dots, dashes or underscores'),
    matchers: z.array(matcherText).max(20).default([]),
    slack: z
      .object({ channel: z.string().regex(/^[\w#-]{1,80}$/, 'must be a Slack channel id or name') })
      .strict()
      .optional(),
    discord: z
      .object({ channelId: z.string().regex(/^\d{1,25}$/, 'must be a Discord channel id (digits)') })
      .strict()
      .optional(),
    console: z.boolean().default(true),
    diagnostics: z.array(diagnosticTemplate).max(10).default([]),
    runbookSearch: z.boolean().default(true),
  })
  .strict();

/** The whole routing table. */
export const routesSchema = z.object({ routes: z.array(routeSchema).max(100) }).strict();

/** A route as written (after defaults). */
export type IncidentRoute = z.output<typeof routeSchema>;

/** A route with its matchers compiled. */
export interface CompiledRoute extends IncidentRoute {
  compiled: LabelMatcher[];
}

/** The route used when none matches: console only, runbook search. */
export const DEFAULT_ROUTE: CompiledRoute = {
  name: 'default',
  matchers: [],
  compiled: [],
  console: true,
  diagnostics: [],
  runbookSearch: true,
};

/** Validates a routing table; throws a ValidationError naming the field. */
export function compileRoutes(value: unknown, origin: string): CompiledRoute[] {
  const result = routesSchema.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error.issues, origin);
    throw new ValidationError(`Invalid ${details[0]?.path ?? origin}: ${details[0]?.message ?? 'invalid'}`, details);
  }
  return result.data.routes.map((route) => ({ ...route, compiled: route.matchers.map((text) => parseMatcher(text) as LabelMatcher) }));
}

/** Reads INCIDENT_ROUTES (JSON); errors say which file and which field. */
export async function loadRoutesFile(path: string): Promise<CompiledRoute[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`INCIDENT_ROUTES: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`INCIDENT_ROUTES: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return compileRoutes(parsed, 'INCIDENT_ROUTES');
}

/** The first route whose matchers all hold, else the default route. */
export function selectRoute(routes: readonly CompiledRoute[], labels: Record<string, string>): CompiledRoute {
  return routes.find((route) => route.compiled.every((matcher) => matches(matcher, labels))) ?? DEFAULT_ROUTE;
}

/** The routing table currently in force (replaced whole, never edited in place). */
export class IncidentRouting {
  private routes: readonly CompiledRoute[];

  constructor(routes: CompiledRoute[] = []) {
    this.routes = routes;
  }

  /** The current table. */
  list(): readonly CompiledRoute[] {
    return this.routes;
  }

  /** Replaces the table with a validated one. */
  replace(value: unknown): readonly CompiledRoute[] {
    this.routes = compileRoutes(value, 'body');
    return this.routes;
  }

  /** The route for these labels. */
  select(labels: Record<string, string>): CompiledRoute {
    return selectRoute(this.routes, labels);
  }
}
