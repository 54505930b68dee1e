/**
 * Where Redis is (issue #20, high availability): one server named by `REDIS_URL`, or a
 * master that Redis Sentinel names (`REDIS_SENTINELS`, `REDIS_SENTINEL_NAME`,
 * `REDIS_SENTINEL_PASSWORD`). Parsing lives here, without ioredis, so the configuration can
 * validate it at load time and code that never connects never loads the client library.
 */
import { z } from 'zod';

/** One Sentinel's address. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/** A master found through Sentinel; `url` (REDIS_URL) only supplies credentials, db and TLS. */
export interface RedisSentinelTarget {
  sentinels: SentinelAddress[];
  name: string;
  sentinelPassword?: string | undefined;
  url?: string | undefined;
}

/** What every Redis client of the app connects to: a `redis://` URL or a Sentinel target. */
export type RedisTarget = string | RedisSentinelTarget;

/** Most Sentinels accepted in REDIS_SENTINELS (a deployment runs 3 or 5). */
export const MAX_SENTINELS = 16;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/** Parses one `host:port` (`[v6]:port` for IPv6); null when it is not one. */
export function parseSentinelAddress(entry: string): SentinelAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
  if (!match) return null;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return null;
  if (
    match[1] !== undefined
      ? !(IPV6.test(host) && host.includes(':'))
      : !(IPV4.test(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host)))
  )
    return null;
  return { host, port };
}

/** REDIS_SENTINELS: comma-separated `host:port` entries, 1 to MAX_SENTINELS, no duplicates. */
export const sentinelListSchema = z
  .string()
  .max(4_096, 'is too long')
  .transform((value, context) => {
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.length > MAX_SENTINELS) {
      context.addIssue({ code: 'custom', message: `must list at most ${MAX_SENTINELS} sentinels` });
      return z.NEVER;
    }
    const addresses: SentinelAddress[] = [];
    for (const entry of entries) {
      const address = parseSentinelAddress(entry);
      if (!address) {
        context.addIssue({
          code: 'custom',
          message: 'must be comma-separated host:port entries (e.g. 10.0.0.5:26379,sentinel-2:26379; IPv6 as [::1]:26379)',
        });
        return z.NEVER;
      }
      if (addresses.some((known) => known.host.toLowerCase() === address.host.toLowerCase() && known.port === address.port)) {
        context.addIssue({ code: 'custom', message: `lists ${entry} twice` });
        return z.NEVER;
      }
      addresses.push(address);
    }
    return addresses;
  });

/** REDIS_SENTINEL_NAME: the master's name in the Sentinels' configuration. */
export const sentinelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores');

/** REDIS_SENTINEL_PASSWORD: printable, no control characters (it is sent as an AUTH argument). */
export const sentinelPasswordSchema = z
  .string()
  .max(512, 'must be at most 512 characters')
  .refine((value) => !/[\p{Cc}\p{Cs}]/u.test(value), 'must not contain control characters or lone surrogates');

/** The configuration fields this module reads. */
export interface RedisTargetConfig {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: SentinelAddress[] | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
}

/** The target the configuration names, or undefined in single-node mode (no Redis). */
export function redisTargetFromConfig(config: RedisTargetConfig): RedisTarget | undefined {
  if (config.REDIS_SENTINELS?.length) {
    return {
      sentinels: config.REDIS_SENTINELS,
      name: config.REDIS_SENTINEL_NAME,
      sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
      url: config.REDIS_URL,
    };
  }
  return config.REDIS_URL;
}

/** A short description for logs: never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  if (typeof target === 'string') return target.replace(/\/\/[^/@]*@/, '//***@');
  return `sentinel master "${target.name}" via ${target.sentinels.map((address) => (address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`)).join(',')}`;
}
