/**
 * /api/commands: the catalog (from the tool registry) and running a command, either a
 * command line for the router or an explicit tool call. Both go through the one pipeline.
 */
import { z } from 'zod';
import { parseAcceptLanguage, t, type Locale } from '../../contracts/i18n.js';
import { AppError } from '../../errors.js';
import type { ToolRuntime } from '../../tools/pipeline/tool-runtime.js';
import { localizedError } from '../http/localized-error.js';
import type { RouteTable } from '../http/route-table.js';
import { commandBody, commandSchema, executionSchema, helpSchema } from '../../tools/pipeline/execution-schemas.js';

/** Registers the catalog and command routes (`profileLocale`: the user's language when the request names none). */
export function commandRoutes(
  routes: RouteTable,
  tools: ToolRuntime,
  profileLocale: (userId: string) => Promise<Locale | null> = () => Promise.resolve(null),
): void {
  routes.add({
    method: 'get',
    path: '/commands',
    tag: 'Commands',
    summary: 'The command catalog, generated from the tool registry',
    description: 'Tools whose toolset prerequisites fail are listed with active=false and a reason, not hidden.',
    query: z.object({ includeInactive: z.enum(['true', 'false']).optional().meta({ description: 'false hides unavailable tools' }) }),
    success: { status: 200, description: 'Commands in registry order', schema: z.object({ data: z.array(commandSchema) }) },
    handler: async ({ query }) => ({
      data: tools.registry.catalog().filter((entry) => query.includeInactive !== 'false' || entry.active),
    }),
  });

  // Concurrent commands of one user share the profile lookup in flight; a finished lookup is
  // never reused, so a command sent once the earlier ones are answered reads the current language.
  const lookups = new Map<string, Promise<Locale | null>>();
  const sharedProfileLocale = (userId: string): Promise<Locale | null> => {
    let lookup = lookups.get(userId);
    if (!lookup) {
      lookup = profileLocale(userId).finally(() => lookups.delete(userId));
      lookups.set(userId, lookup);
    }
    return lookup;
  };

  routes.add({
    method: 'post',
    path: '/commands',
    tag: 'Commands',
    summary: 'Run a command line or a tool call through the execution pipeline',
    description:
      'Read tools run at once (200 with the finished execution). Mutating tools answer 202 with status pending_approval; durable tools answer 202 with status queued. `{text: "help"}` returns the help text.',
    body: commandBody,
    errors: [403, 404, 409, 503],
    success: {
      status: 200,
      description: 'The execution (202 when pending approval or queued), or help',
      schema: z.union([executionSchema, helpSchema]),
    },
    handler: async ({ body, principal, request, response }) => {
      let tool: string;
      let args: unknown;
      // Help, refusals and the result view in the client's language (Accept-Language: fr → French),
      // else the profile's: looked up while the command is routed and run, awaited where needed.
      const header = parseAcceptLanguage(request.header('accept-language'));
      const lookup = header ? undefined : sharedProfileLocale(principal.userId);
      lookup?.catch(() => undefined); // awaited below wherever the language is needed
      const locale = async () => header ?? (await lookup) ?? undefined;
      if ('text' in body) {
        const routeIn = (language: Locale | undefined) => tools.router.route(body.text, principal.role, { locale: language });
        let routed: ReturnType<typeof routeIn>;
        try {
          routed = routeIn(header);
        } catch (error) {
          if (!lookup) throw error;
          routed = routeIn(await locale()); // the same refusal, in the profile's language
        }
        if (routed.kind !== 'call' && lookup) routed = routeIn(await locale());
        if (routed.kind === 'help') return { help: routed.text };
        if (routed.kind === 'not_command') {
          const language = await locale();
          throw new AppError(
            'unknown_command',
            400,
            `${t(language, 'help.notACommand', { text: body.text.slice(0, 60) })} ${tools.router.helpText(principal.role, language)}`,
          );
        }
        tool = routed.tool;
        args = routed.args;
      } else {
        tool = body.tool;
        args = body.args;
      }
      const execution = await tools.executions
        .request(principal, {
          tool,
          args,
          channel: 'api',
          conversationId: body.conversationId ?? null,
          traceId: request.requestId,
          locale: header,
          localeLookup: lookup,
        })
        .catch(async (error: unknown) => Promise.reject(localizedError(error, await locale().catch(() => undefined))));
      response.status(execution.status === 'pending_approval' || execution.status === 'queued' ? 202 : 200).json(execution);
      return undefined;
    },
  });
}
