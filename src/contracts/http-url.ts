/**
 * URL fields sent by clients (a document's sourceUrl) end up as links in the console and in
 * chat cards: only absolute http(s) URLs are accepted, so `javascript:`, `data:` or `file:`
 * links can never be stored and rendered for someone else to click.
 */
import { safeText } from './safe-text.js';

/** Why `value` is not an acceptable link, or null when it is an absolute http(s) URL. */
export function httpUrlProblem(value: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http:// or https:// URL';
  return null;
}

/** An absolute http(s) URL of at most `max` characters. */
export function httpUrl(max = 2000) {
  return safeText()
    .max(max)
    .check((ctx) => {
      const problem = httpUrlProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    })
    .meta({ format: 'uri', example: 'https://wiki.example.net/runbooks/core-router' });
}
