/**
 * The network toolset's limits, read from the app configuration (NET_* variables) so the
 * REST route, the agent tools and the benchmark enforce the same bounds.
 */
import { configSchema, type Config } from '../../config.js';

/** The bounds every network run is held to. */
export interface NetworkSettings {
  allowedTargets: string;
  maxTargets: number;
  maxPorts: number;
  maxProbes: number;
  maxConcurrency: number;
  maxRunMs: number;
  rateLimitPerMinute: number;
}

const KEYS = [
  'NET_ALLOWED_TARGETS',
  'NET_MAX_TARGETS',
  'NET_MAX_PORTS',
  'NET_MAX_PROBES',
  'NET_MAX_CONCURRENCY',
  'NET_MAX_RUN_MS',
  'NET_RATE_LIMIT_PER_MINUTE',
] as const;

/** Reads the NET_* part of a (possibly partial) configuration, filling in the defaults. */
export function networkSettings(config: Partial<Config> | Record<string, unknown> = {}): NetworkSettings {
  const source = config as Record<string, unknown>;
  const shape = configSchema.pick(Object.fromEntries(KEYS.map((key) => [key, true])) as { [K in (typeof KEYS)[number]]: true });
  const parsed = shape.parse(Object.fromEntries(KEYS.map((key) => [key, source[key] === undefined ? undefined : String(source[key])])));
  return {
    allowedTargets: parsed.NET_ALLOWED_TARGETS,
    maxTargets: parsed.NET_MAX_TARGETS,
    maxPorts: parsed.NET_MAX_PORTS,
    maxProbes: parsed.NET_MAX_PROBES,
    maxConcurrency: parsed.NET_MAX_CONCURRENCY,
    maxRunMs: parsed.NET_MAX_RUN_MS,
    rateLimitPerMinute: parsed.NET_RATE_LIMIT_PER_MINUTE,
  };
}
