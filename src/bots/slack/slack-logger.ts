/**
 * Bolt and the Slack Web API client log through their own Logger interface; this forwards
 * them to our pino logger so Slack's warnings (rate limits, retries) land in the same stream.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../logger.js';

/** Slack tokens (xoxb-, xoxp-, xapp-…) and the legacy verification `token` field the clients print in debug payloads. */
const SECRETS: Array<[RegExp, string]> = [
  [/\bx(?:ox[abeoprs]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  [/("token"\s*:\s*)"[^"]*"/g, '$1"[redacted]"'],
  [/(\btoken=)[^&\s"]+/g, '$1[redacted]'],
];

/** Joins a Slack log call's parts into one line with every secret removed. */
export function slackLogLine(parts: unknown[]): string {
  let line = parts.map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part))).join(' ');
  for (const [pattern, replacement] of SECRETS) line = line.replace(pattern, replacement);
  return line;
}
const text = slackLogLine;

/** A Slack Logger writing to a child of `logger`. */
export function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  let child = logger.child({ component: 'slack' });
  return {
    debug: (...parts: unknown[]) => child.debug(text(parts)),
    info: (...parts: unknown[]) => child.info(text(parts)),
    warn: (...parts: unknown[]) => child.warn(text(parts)),
    error: (...parts: unknown[]) => child.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}
