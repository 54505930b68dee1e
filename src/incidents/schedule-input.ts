/**
 * What a schedule is made of, parsed in one place for the REST body, `vigie schedules add`
 * and the chat forms (`schedule net check core-router every 5m`, `planifier net check
 * core-router toutes les 5 minutes`): a command line, an interval with a unit, a name and the
 * flap-damping thresholds. Everything is bounded and NUL/surrogate-free before it is stored.
 */
import { z } from 'zod';
import { safeText } from '../contracts/safe-text.js';
import { ValidationError } from '../errors.js';

/** Longest interval a schedule may have (7 days). */
export const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  seconde: 1_000,
  secondes: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  heure: 3_600_000,
  heures: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  j: 86_400_000,
  jour: 86_400_000,
  jours: 86_400_000,
};

/**
 * Parses `5m`, `90s`, `2 hours`, `10 minutes`, `1h` into milliseconds, or says why not
 * (the bounds are checked separately, so the message can name the configured minimum).
 */
export function parseInterval(text: string): number {
  const match = /^\s*(\d{1,20})(?:[.,](\d{1,3}))?\s*([a-zA-Zé]+)\s*$/.exec(text);
  if (!match) throw new ValidationError(`Invalid interval "${text.slice(0, 40)}": use a number and a unit, like 30s, 5m, 2h or 1d`);
  const unit = UNITS[match[3]!.toLowerCase()];
  if (unit === undefined)
    throw new ValidationError(`Invalid interval "${text.slice(0, 40)}": unknown unit "${match[3]!.slice(0, 20)}" (s, m, h, d)`);
  const value = Number(`${match[1]}.${match[2] ?? '0'}`);
  return Math.round(value * unit);
}

/** Checks an interval against the bounds; the message names them. */
export function checkInterval(ms: number, minMs: number): number {
  if (!Number.isSafeInteger(ms) || ms < minMs || ms > MAX_INTERVAL_MS) {
    throw new ValidationError(`Invalid interval: must be from ${minMs / 1000} s to 7 days`);
  }
  return ms;
}

// "every 5m", "every 5 minutes", "every minute", "toutes les 5 minutes", "toutes les heures",
// "chaque minute", "tous les jours": the interval clause at the end of a chat form.
const EVERY = /\s+(?:every|each|toutes\s+les|tous\s+les|chaque)\s+(?:(\d{1,20}(?:[.,]\d{1,3})?)\s*)?([a-zA-Zé]+)\s*$/i;

/** Splits a chat form's text into the command and its interval (`… every 5m`). */
export function splitEvery(text: string): { command: string; interval: string; intervalMs: number } {
  const match = EVERY.exec(text);
  if (!match) throw new ValidationError('Say how often: "schedule net check core-router every 5m" (or "planifier … toutes les 5 minutes")');
  const command = text.slice(0, match.index).trim();
  if (!command) throw new ValidationError('Say what to run before "every": "schedule net check core-router every 5m"');
  const interval = `${match[1] ?? '1'}${match[2]}`;
  return { command, interval, intervalMs: parseInterval(interval) };
}

/** A schedule name: letters, digits, dots, dashes, underscores. */
export const scheduleNameSchema = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores');

/** The command line a schedule runs (a read-only tool command, as typed in chat). */
export const scheduleCommandSchema = safeText()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  .refine(
    (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f),
    'must be one line without control characters',
  );

/** The body of POST /api/schedules (and the CLI's options). */
export const scheduleInputSchema = z
  .object({
    command: scheduleCommandSchema.meta({
      description: 'A read-only tool command, e.g. "net check core-router"',
      example: 'net check 198.18.21.2',
    }),
    interval: safeText().max(40).meta({ description: 'How often: 30s, 5m, 2h, 1d', example: '5m' }),
    name: scheduleNameSchema.optional().meta({ description: 'Default: derived from the command' }),
    failThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Consecutive failing runs that open an incident (flap damping)' }),
    recoverThreshold: z.number().int().min(1).max(100).optional().meta({ description: 'Consecutive healthy runs that resolve it' }),
  })
  .strict();

/** A parsed schedule input. */
export type ScheduleInput = z.output<typeof scheduleInputSchema>;

/** A default name from a command: `net check core-router` → `net-check-core-router`. */
export function nameFromCommand(command: string): string {
  const name = command
    .toLowerCase()
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return name || 'schedule';
}
