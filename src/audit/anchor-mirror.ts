/**
 * Mirrors each signed anchor line (src/audit/audit-anchors.ts) somewhere an attacker with
 * write access to DATA_DIR cannot reach: an append-only file on another volume
 * (AUDIT_ANCHOR_MIRROR_FILE), a Slack channel (AUDIT_ANCHOR_SLACK_CHANNEL, with the Slack bot's
 * token) and a Discord channel (AUDIT_ANCHOR_DISCORD_CHANNEL, with the Discord bot's token).
 * The line is copied verbatim (in a code block in chat) so `vigie audit verify --mirror` can
 * check a copy of it later. Delivery runs in the background, one queue per target: a target
 * that fails (chat down, 5xx, rate limit) is retried with backoff, then logged and counted in
 * vigie_audit_anchor_mirror_failures_total{target}; auditing never waits for it.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Counter, Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AnchorLine } from './audit-anchors.js';
import { counter } from '../core/metrics.js';

/** Where anchors are mirrored (absent: that target is off). */
export interface AnchorMirrorTargets {
  file?: string | undefined;
  slack?: { token: string; apiUrl?: string | undefined; channel: string } | undefined;
  discord?: { token: string; apiUrl?: string | undefined; channelId: string } | undefined;
}

/** Retry policy: `attempts` tries in all, waits doubling from `baseDelayMs` up to `maxDelayMs` (Retry-After honoured up to it). */
export interface MirrorRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Four tries over about 3.5 s, a rate limit's Retry-After honoured up to 30 s. */
export const DEFAULT_MIRROR_RETRY: MirrorRetry = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Anchors waiting per target beyond which the oldest is dropped (the newest anchor pins every event before it). */
export const MAX_PENDING = 100;

type TargetName = 'file' | 'slack' | 'discord';

/** A delivery that failed; `retryAfterMs` from a rate limit, `permanent` when retrying cannot help (bad channel, bad token). */
export class MirrorDeliveryError extends Error {
  constructor(
    message: string,
    readonly details: { retryAfterMs?: number | undefined; permanent?: boolean } = {},
  ) {
    super(message);
    this.name = 'MirrorDeliveryError';
  }
}

interface Target {
  name: TargetName;
  deliver(anchor: AnchorLine, line: string, signal: AbortSignal): Promise<void>;
  queue: Array<{ anchor: AnchorLine; line: string }>;
  running: Promise<void> | null;
}

/** The text posted to chat: a short title and the anchor line verbatim in a code block. */
export function anchorChatText(anchor: AnchorLine, line: string): string {
  return `Vigie audit anchor: event ${anchor.id} (${anchor.count} events) at ${anchor.at}\n\`\`\`\n${line}\n\`\`\``;
}

function retryAfterMs(response: Response, body: Record<string, unknown>): number | undefined {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header >= 0 && response.headers.get('retry-after') !== null) return header * 1_000;
  const fromBody = Number(body.retry_after);
  return Number.isFinite(fromBody) && fromBody >= 0 ? fromBody * 1_000 : undefined;
}

async function postJson(
  url: string,
  authorization: string,
  body: unknown,
  signal: AbortSignal,
): Promise<{ response: Response; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization },
    body: JSON.stringify(body),
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    redirect: 'error',
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  if (!response.ok) {
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408;
    throw new MirrorDeliveryError(`POST ${new URL(url).pathname} answered ${response.status}`, {
      retryAfterMs: retryAfterMs(response, json),
      permanent,
    });
  }
  return { response, json };
}

function fileTarget(file: string): Target['deliver'] {
  return async (_anchor, line) => {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a', 0o644);
    try {
      await handle.appendFile(`${line}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
}

function slackTarget(target: NonNullable<AnchorMirrorTargets['slack']>): Target['deliver'] {
  const base = (target.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  return async (anchor, line, signal) => {
    const body = { channel: target.channel, text: anchorChatText(anchor, line), unfurl_links: false, unfurl_media: false };
    const { response, json } = await postJson(`${base}chat.postMessage`, `Bearer ${target.token}`, body, signal);
    if (json.ok !== true) {
      const error = String(json.error ?? 'no ok in the answer');
      const transient = ['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(error);
      throw new MirrorDeliveryError(`Slack refused chat.postMessage: ${error}`, {
        retryAfterMs: retryAfterMs(response, json),
        permanent: !transient,
      });
    }
  };
}

function discordTarget(target: NonNullable<AnchorMirrorTargets['discord']>): Target['deliver'] {
  const base = `${(target.apiUrl ?? 'https://discord.com/api').replace(/\/$/, '')}/v10`;
  return async (anchor, line, signal) => {
    await postJson(
      `${base}/channels/${target.channelId}/messages`,
      `Bot ${target.token}`,
      { content: anchorChatText(anchor, line), allowed_mentions: { parse: [] } },
      signal,
    );
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Copies anchors to the configured targets in the background (see the file comment). */
export class AnchorMirror {
  private readonly targets: Target[] = [];
  private readonly stopping = new AbortController();
  private readonly failures: Counter<'target'>;
  private readonly retries: Counter<'target'>;
  private readonly delivered: Counter<'target'>;
  private readonly retry: MirrorRetry;

  constructor(
    targets: AnchorMirrorTargets,
    private readonly deps: { logger: Logger; registry?: Registry | undefined; retry?: Partial<MirrorRetry> | undefined },
  ) {
    this.retry = { ...DEFAULT_MIRROR_RETRY, ...deps.retry };
    const metric = (name: string, help: string) => counter(deps.registry, { name, help, labelNames: ['target'] });
    this.failures = metric(
      'vigie_audit_anchor_mirror_failures_total',
      'Audit anchors that could not be mirrored to a target (retries exhausted, refused, or dropped from a full queue)',
    );
    this.retries = metric('vigie_audit_anchor_mirror_retries_total', 'Failed audit anchor mirror attempts that were retried');
    this.delivered = metric('vigie_audit_anchor_mirror_delivered_total', 'Audit anchors mirrored to a target');
    const add = (name: TargetName, deliver: Target['deliver']) => {
      this.targets.push({ name, deliver, queue: [], running: null });
      // Zero-valued series from the start, so an alert on the failure rate sees the target before its first failure.
      this.failures.inc({ target: name }, 0);
    };
    if (targets.file) add('file', fileTarget(targets.file));
    if (targets.slack) add('slack', slackTarget(targets.slack));
    if (targets.discord) add('discord', discordTarget(targets.discord));
  }

  /** The configured targets, for the start-up log line. */
  get targetNames(): TargetName[] {
    return this.targets.map((target) => target.name);
  }

  /** The AuditAnchorWriter listener: queues the anchor for every target and returns at once. */
  readonly onAnchor = (anchor: AnchorLine, line: string): void => {
    for (const target of this.targets) {
      if (this.stopping.signal.aborted) {
        this.fail(target, anchor, new Error('the mirror is closed'));
        continue;
      }
      target.queue.push({ anchor, line });
      if (target.queue.length > MAX_PENDING)
        this.fail(target, target.queue.shift()!.anchor, new Error(`more than ${MAX_PENDING} anchors waiting: the oldest is dropped`));
      target.running ??= this.drain(target);
    }
  };

  /** Resolves when every queued anchor was delivered or given up on. */
  async settled(): Promise<void> {
    while (this.targets.some((target) => target.running)) await Promise.all(this.targets.map((target) => target.running));
  }

  /** Waits up to `timeoutMs` for the queues, then abandons what is left (counted as failures). */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.stopping.abort();
    await this.settled();
  }

  private async drain(target: Target): Promise<void> {
    try {
      for (let next = target.queue.shift(); next; next = target.queue.shift()) await this.deliver(target, next.anchor, next.line);
    } finally {
      target.running = null;
    }
  }

  private async deliver(target: Target, anchor: AnchorLine, line: string): Promise<void> {
    const { attempts, baseDelayMs, maxDelayMs } = this.retry;
    for (let attempt = 1; ; attempt += 1) {
      if (this.stopping.signal.aborted) return this.fail(target, anchor, new Error('the mirror closed before delivery'));
      try {
        await target.deliver(anchor, line, this.stopping.signal);
        this.delivered.inc({ target: target.name });
        return;
      } catch (error) {
        const details = error instanceof MirrorDeliveryError ? error.details : {};
        if (details.permanent || attempt >= attempts || this.stopping.signal.aborted) return this.fail(target, anchor, error, attempt);
        const waitMs = Math.min(maxDelayMs, details.retryAfterMs ?? baseDelayMs * 2 ** (attempt - 1));
        this.retries.inc({ target: target.name });
        this.deps.logger.warn(
          { err: error, target: target.name, anchorId: anchor.id, attempt, waitMs },
          'audit anchor not mirrored yet: retrying',
        );
        await sleep(waitMs, this.stopping.signal);
      }
    }
  }

  private fail(target: Target, anchor: AnchorLine, error: unknown, attempts = 0): void {
    this.failures.inc({ target: target.name });
    this.deps.logger.error(
      { err: error, target: target.name, anchorId: anchor.id, attempts },
      'audit anchor not mirrored: the mirror lacks this anchor (the next one still pins every event before it)',
    );
  }
}

/** The mirror the configuration asks for, or undefined when no AUDIT_ANCHOR_MIRROR_FILE/SLACK/DISCORD target is set. */
export function anchorMirrorFromConfig(
  config: Pick<
    Config,
    | 'AUDIT_ANCHOR_MIRROR_FILE'
    | 'AUDIT_ANCHOR_SLACK_CHANNEL'
    | 'AUDIT_ANCHOR_DISCORD_CHANNEL'
    | 'SLACK_BOT_TOKEN'
    | 'SLACK_API_URL'
    | 'DISCORD_TOKEN'
    | 'DISCORD_API_URL'
  >,
  deps: { logger: Logger; registry?: Registry | undefined; retry?: Partial<MirrorRetry> | undefined },
): AnchorMirror | undefined {
  // loadConfig refuses a channel without its bot token; the checks here only narrow the types.
  const targets: AnchorMirrorTargets = {
    file: config.AUDIT_ANCHOR_MIRROR_FILE ? path.resolve(config.AUDIT_ANCHOR_MIRROR_FILE) : undefined,
    slack:
      config.AUDIT_ANCHOR_SLACK_CHANNEL && config.SLACK_BOT_TOKEN
        ? { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, channel: config.AUDIT_ANCHOR_SLACK_CHANNEL }
        : undefined,
    discord:
      config.AUDIT_ANCHOR_DISCORD_CHANNEL && config.DISCORD_TOKEN
        ? { token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, channelId: config.AUDIT_ANCHOR_DISCORD_CHANNEL }
        : undefined,
  };
  return targets.file || targets.slack || targets.discord ? new AnchorMirror(targets, deps) : undefined;
}
