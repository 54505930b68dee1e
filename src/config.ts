/**
 * Configuration: the environment is parsed once, here, with zod. Everything else receives
 * the typed result, so a bad variable fails start-up with one clear message instead of
 * surfacing later as a confusing runtime error.
 */
import { SUPPORTED_LOCALES } from './contracts/i18n.js';
import { unsafePathReason } from './contracts/safe-text.js';
import path from 'node:path';
import { z } from 'zod';
import { sentinelListSchema, sentinelNameSchema, sentinelPasswordSchema } from './redis-target.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const booleanFlag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? defaultValue : ['true', '1', 'yes'].includes(value)));

const positiveInt = (defaultValue: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(1).max(max).default(defaultValue);

/** The variables Vigie reads; README's configuration table mirrors this list. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional()),
  DATABASE_POOL_SIZE: positiveInt(10, 200),
  // Issue 15 (runtime role): the owner role that runs migrations; DATABASE_URL is then the restricted runtime role.
  MIGRATION_DATABASE_URL: optionalString.pipe(
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  ),
  AUTO_MIGRATE: booleanFlag(true),
  // Embedded database memory (issue 17): PostgreSQL's shared_buffers inside PGlite; 16MB keeps idle RSS low.
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9]\d{0,5}(kB|MB)$/, 'a size such as 16MB or 512kB')
    .default('16MB'),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  // Redis Sentinel (issue #20): the Sentinels to ask for the master's address; REDIS_URL then only gives credentials, db and TLS.
  REDIS_SENTINELS: optionalString.pipe(sentinelListSchema.optional()),
  REDIS_SENTINEL_NAME: optionalString.pipe(sentinelNameSchema.default('mymaster')),
  REDIS_SENTINEL_PASSWORD: z
    .string()
    .transform((value) => (value === '' ? undefined : value))
    .pipe(sentinelPasswordSchema.optional())
    .optional(),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb')
    .default('1mb'),
  RATE_LIMIT_TOKEN_PER_MINUTE: positiveInt(1200),
  RATE_LIMIT_IP_PER_MINUTE: positiveInt(3000),
  METRICS_TOKEN: optionalString,
  TRUST_PROXY: optionalString,
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 600_000),
  // QoS toolset (issue 11): which interfaces tc may touch, the uplink guard, default link speed, lab namespace.
  QOS_ALLOWED_INTERFACES: z.string().default(''),
  QOS_ALLOW_DEFAULT_ROUTE_INTERFACE: booleanFlag(false),
  QOS_DEFAULT_LINK_RATE: z
    .string()
    .regex(/^\d+(?:\.\d+)?\s*[kmg]?bit$/i, 'must look like 100mbit or 1gbit')
    .default('1gbit'),
  QOS_NETNS: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'must be a network namespace name')
      .optional(),
  ),
  // How long an apply/rollback waits for its interface (held by another one, on any node) before failing busy.
  QOS_LOCK_WAIT_SECONDS: positiveInt(60, 100),
  // Realtime gateway (issue 3): per-socket client events per minute, largest event payload.
  SOCKET_EVENTS_PER_MINUTE: positiveInt(600),
  SOCKET_MAX_PAYLOAD_BYTES: positiveInt(64 * 1024, 1024 * 1024),
  // Directories external programs (tc, ip, ping, fping, tracepath) are taken from, never PATH (src/tools/system-binaries.ts).
  BINARY_DIRS: optionalString.pipe(
    z
      .string()
      .refine(
        (value) => value.split(',').every((entry) => entry.trim() === '' || path.isAbsolute(entry.trim())),
        'must be comma-separated absolute directories',
      )
      .optional(),
  ),
  // Network analysis toolset (src/tools/network): what may be probed and how hard.
  NET_ALLOWED_TARGETS: z.string().trim().min(1).default('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,198.18.0.0/15'),
  NET_MAX_TARGETS: positiveInt(256, 1024),
  NET_MAX_PORTS: positiveInt(16, 64),
  NET_MAX_PROBES: positiveInt(100, 500),
  NET_MAX_CONCURRENCY: positiveInt(64, 256),
  NET_MAX_RUN_MS: positiveInt(60_000, 600_000),
  NET_RATE_LIMIT_PER_MINUTE: positiveInt(20, 10_000),
  // Local inference (src/inference): one shared model, N parallel sequences, bounded queue.
  LLM_MODEL: optionalString,
  LLM_PARALLEL: positiveInt(4, 64),
  LLM_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  LLM_CONTEXT_SIZE: positiveInt(4096, 1_048_576),
  LLM_QUEUE_DEPTH: z.coerce.number().int().min(0).max(10_000).default(32),
  LLM_GPU: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
  EMBEDDING_MODEL: optionalString,
  // Grammar-constrained model passes (with LLM_MODEL): time budget in ms, queue wait included; 0 turns the pass off.
  SERVICES_DRAFT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(1_500),
  QOS_INTENT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(5_000),
  // Dedup store (src/tools/dedup): atom directory (default DATA_DIR/dedup), workers (0 = one per core), chunking.
  DEDUP_DIR: optionalString,
  DEDUP_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  DEDUP_CHUNK_AVG: z.coerce
    .number()
    .int()
    .min(256)
    .max(16 * 1024 * 1024)
    .default(16 * 1024),
  DEDUP_COMPRESSION: z.enum(['none', 'deflate', 'brotli']).default('none'),
  DEDUP_FSYNC: booleanFlag(true),
  DEDUP_ALLOWED_ROOTS: optionalString,
  // Agent runtime (src/agents) and tool pipeline (src/tools/pipeline).
  LLM_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional()),
  LLM_API_KEY: optionalString,
  LLM_MODEL_NAME: optionalString,
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.2),
  LLM_MAX_TOKENS: positiveInt(1024, 32_768),
  LLM_TOOL_CALLS: z.enum(['auto', 'native', 'grammar']).default('auto'),
  // Stream answers from LLM_BASE_URL (endpoints that answer plain JSON still work); false asks for plain JSON.
  LLM_STREAMING: booleanFlag(true),
  AGENT_MAX_STEPS: positiveInt(6, 50),
  // Model turns running at once on this node; more wait in FIFO order (shown as "queued"), past the depth: 503 busy.
  AGENT_MAX_CONCURRENT_TURNS: positiveInt(4, 256),
  AGENT_QUEUE_DEPTH: z.coerce.number().int().min(0).max(10_000).default(32),
  AGENT_TURN_TIMEOUT_MS: positiveInt(120_000, 3_600_000),
  AGENT_MEMORY_TOKENS: positiveInt(2_000, 1_000_000),
  APPROVAL_TTL_MS: positiveInt(600_000, 7 * 24 * 3_600_000),
  // Grace after a tool's timeout before a `running` execution is failed as abandoned (crash, lost DB).
  EXECUTION_ABANDON_GRACE_MS: positiveInt(60_000, 24 * 3_600_000),
  TOOL_CHANNEL_ALLOWLIST: optionalString,
  // Audit anchors (src/audit/audit-anchors.ts): the chain head signed every N events or T ms into a log outside the database.
  AUDIT_ANCHOR_EVERY: positiveInt(100, 1_000_000),
  AUDIT_ANCHOR_INTERVAL_MS: positiveInt(60_000, 24 * 3_600_000),
  AUDIT_ANCHOR_KEY: optionalString,
  AUDIT_ANCHOR_LOG: optionalString,
  // Anchor mirror (src/audit/anchor-mirror.ts): each signed anchor line also appended to a file and posted to chat channels.
  AUDIT_ANCHOR_MIRROR_FILE: optionalString.pipe(
    z
      .string()
      .max(4_096, 'must be a path of at most 4096 characters')
      .check((ctx) => {
        const reason = unsafePathReason(ctx.value);
        if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value });
      })
      .optional(),
  ),
  AUDIT_ANCHOR_SLACK_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Z0-9]{2,30}$/, 'must be a Slack channel id, e.g. C0123ABCD')
      .optional(),
  ),
  AUDIT_ANCHOR_DISCORD_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,25}$/, 'must be a Discord channel id (digits)')
      .optional(),
  ),
  // Incidents (src/incidents): JSON file of routes (label matchers → Slack/Discord/console, diagnostics).
  INCIDENT_ROUTES: optionalString,
  // Scheduled checks (src/incidents/schedule-*): shortest interval, flap damping (N consecutive runs), watchdog period.
  SCHEDULE_MIN_INTERVAL_MS: positiveInt(10_000, 3_600_000).pipe(z.number().min(1_000, 'must be at least 1000')),
  SCHEDULE_FLAP_THRESHOLD: positiveInt(2, 100),
  SCHEDULE_RECOVER_THRESHOLD: positiveInt(2, 100),
  SCHEDULE_WATCHDOG_MS: positiveInt(30_000, 3_600_000),
  // Chat bots (issue 5): Slack over the HTTP Events API on our server; unmapped users' policy.
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  // Socket Mode (on the node holding the lease) takes an app-level token, never the bot token.
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-[\w-]+$/, 'must be an app-level token (xapp-…)')
      .optional(),
  ),
  SLACK_API_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional()),
  // Slack turns running at once per node after their ack (more wait their turn, so acks stay fast under bursts).
  SLACK_CONCURRENT_TURNS: positiveInt(32, 1_000),
  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_PUBLIC_KEY: optionalString,
  DISCORD_API_URL: optionalString,
  DISCORD_GUILD_ID: optionalString,
  // Discord gateway (with DISCORD_TOKEN): message commands with this prefix or a mention, in these channels (ids, `dm`, `*`; unset = all).
  DISCORD_GATEWAY: booleanFlag(true),
  DISCORD_COMMAND_PREFIX: optionalString.pipe(
    z
      .string()
      .regex(/^\S{1,32}$/, 'must be 1 to 32 characters without spaces, e.g. !vigie')
      .default('!vigie'),
  ),
  DISCORD_CHANNELS: optionalString.pipe(
    z
      .string()
      .regex(/^\s*(?:\*|dm|\d{1,25})(?:\s*,\s*(?:\*|dm|\d{1,25}))*\s*$/i, 'must be comma-separated channel ids, "dm" or "*"')
      .optional(),
  ),
  BOTS_UNMAPPED_USERS: z.enum(['viewer', 'refuse']).default('viewer'),
  // MCP (issue 22): interval clients are asked to poll a task at; approval cards for pending MCP calls.
  MCP_TASK_POLL_MS: positiveInt(2_000, 60_000),
  APPROVALS_SLACK_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Z0-9]{2,30}$/, 'must be a Slack channel id, e.g. C0123ABCD')
      .optional(),
  ),
  APPROVALS_DISCORD_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,25}$/, 'must be a Discord channel id (digits)')
      .optional(),
  ),
  // Issue 23 (Slack streaming, i18n): how Slack answers stream, and the language when a user's locale is unknown.
  SLACK_STREAMING: z.enum(['native', 'edit']).default('native'),
  DEFAULT_LOCALE: z.enum(SUPPORTED_LOCALES).default('en'),
});

/**
 * configSchema with the cross-field checks: kept apart so configSchema stays a plain object
 * (components `.pick()` their settings from it, which zod refuses on a refined object).
 */
const checkedConfigSchema = configSchema.superRefine((config, context) => {
  // Cross-field checks: a mirror that could never deliver is a configuration error, not a silent gap in the anchors.
  if (config.AUDIT_ANCHOR_SLACK_CHANNEL && !config.SLACK_BOT_TOKEN) {
    context.addIssue({
      code: 'custom',
      path: ['AUDIT_ANCHOR_SLACK_CHANNEL'],
      message: 'needs SLACK_BOT_TOKEN: the Slack bot posts the anchors',
    });
  }
  if (config.AUDIT_ANCHOR_DISCORD_CHANNEL && !config.DISCORD_TOKEN) {
    context.addIssue({
      code: 'custom',
      path: ['AUDIT_ANCHOR_DISCORD_CHANNEL'],
      message: 'needs DISCORD_TOKEN: the Discord bot posts the anchors',
    });
  }
  if (config.AUDIT_ANCHOR_MIRROR_FILE) {
    const log = path.resolve(config.AUDIT_ANCHOR_LOG ?? path.join(config.DATA_DIR, 'audit-anchors.jsonl'));
    if (path.resolve(config.AUDIT_ANCHOR_MIRROR_FILE) === log) {
      context.addIssue({
        code: 'custom',
        path: ['AUDIT_ANCHOR_MIRROR_FILE'],
        message: 'must not be the anchor log itself (AUDIT_ANCHOR_LOG): a mirror is a second copy',
      });
    }
  }
});

/** Parsed, typed configuration handed to every component by the composition root. */
export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** Raised when the environment does not parse; the CLI prints its message and exits 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default) into a Config or throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, env[key]]));
  const parsed = checkedConfigSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'environment';
      const value = env[name];
      const secret = /TOKEN|PASSWORD|SECRET|KEY/.test(name);
      // URLs may carry a password (postgresql://user:secret@host): never echo credentials.
      const visible = value?.replace(/\/\/[^/@]*@/, '//***@');
      const shown = value === undefined ? '' : secret ? ' (value hidden)' : ` (got ${JSON.stringify(visible)})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
