/**
 * A Slack user's locale, from `users.info` (`include_locale`), cached per user so a turn costs
 * at most one lookup an hour per person. Slack's answer is untrusted input: anything but a
 * supported tag (`fr-FR`, `en-US`…) falls back to the default locale, and a failed lookup
 * (missing `users:read` scope, rate limit, network) is logged once per user and cached too,
 * so a broken scope never slows every message down.
 */
import { localeOr, type Locale } from '../../contracts/i18n.js';
import type { Logger } from '../../logger.js';

/** The slice of the Web API client used here. */
export interface UsersInfoClient {
  users: { info(args: { user: string; include_locale?: boolean }): Promise<{ user?: { locale?: unknown } | undefined }> };
}

/** Looks up (and remembers) Slack users' locales. */
export interface SlackLocales {
  /** The user's locale, or the default one when Slack does not say. */
  of(client: UsersInfoClient, team: string, user: string): Promise<Locale>;
}

/** Creates the cache (bounded: the oldest entries go first past `maxEntries`). */
export function slackLocales(options: { fallback: Locale; logger: Logger; ttlMs?: number; maxEntries?: number }): SlackLocales {
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { locale: Locale; until: number }>();
  const inFlight = new Map<string, Promise<Locale>>();
  const remember = (key: string, locale: Locale) => {
    cache.delete(key);
    cache.set(key, { locale, until: Date.now() + ttlMs });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return locale;
  };
  return {
    async of(client, team, user) {
      const key = `${team}:${user}`;
      const hit = cache.get(key);
      if (hit && hit.until > Date.now()) return hit.locale;
      const pending = inFlight.get(key);
      if (pending) return pending;
      const lookup = client.users
        .info({ user, include_locale: true })
        .then((answer) => remember(key, localeOr(answer.user?.locale, options.fallback)))
        .catch((error: unknown) => {
          options.logger.warn({ err: error, user }, 'slack users.info failed; answering in the default locale');
          return remember(key, options.fallback);
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, lookup);
      return lookup;
    },
  };
}
