/**
 * Boots the real app with the Slack adapter on its Express server (port 0), a real agent
 * service (no model: commands only) and the fake Slack Web API, as the composition root does.
 */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { identityLinker, userCreator } from '../../../src/actions/users.js';
import { AgentService, type AgentModel } from '../../../src/agents/agent-service.js';
import type { Role } from '../../../src/auth/roles.js';
import { startBots, type BotsConfig, type RunningBots } from '../../../src/bots/bot-wiring.js';
import type { Database } from '../../../src/db/database.js';
import type { CoreOptions } from '../../../src/core/core-services-builder.js';
import type { App, AppDeps } from '../../../src/server/app.js';
import { startTestApp } from '../../support/test-app.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';

/** The signing secret of the test Slack app. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** A running app with Slack wired to the fake API. */
export interface SlackTestApp {
  app: App;
  /** The agent the bots use (attach it to answer console and REST messages too). */
  agent: AgentService;
  bots: RunningBots;
  slack: FakeSlack;
  /** The app's /slack/events URL. */
  eventsUrl: string;
  /** The app's base URL. */
  url: string;
  /** Creates a Vigie user linked to Slack user `slackId` in team T1 (or to a Discord user). */
  linkedUser(role: Role, slackId: string, provider?: 'slack' | 'discord', workspace?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts app + bots + fake Slack. */
export async function startSlackTestApp(
  database: Database,
  options: {
    tools?: CoreOptions['tools'];
    redis?: Redis;
    config?: Partial<BotsConfig>;
    model?: AgentModel;
    /** A fake Slack shared by several nodes (left running by close()); default: one of its own. */
    slack?: FakeSlack;
    /** Socket Mode lease lifetime (short in failover tests). */
    slackLeaseTtlMs?: number;
    /** Incident routes and chat credentials (src/incidents). */
    incidents?: AppDeps['incidents'];
    /** MCP settings (task polling, approval cards). */
    mcp?: AppDeps['mcp'];
  } = {},
): Promise<SlackTestApp> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const slack = options.slack ?? (await startFakeSlack());
  const router = Router();
  // The shared app fixture (admin token, listening on an ephemeral port), with the bots' signed router.
  const base = await startTestApp(database, {
    redis: options.redis,
    signedRouters: [router],
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
  });
  const { app } = base;
  await app.tools.start();
  const agent = new AgentService({ prisma: database.prisma, tools: app.tools, logger, events: app.context.events, model: options.model });
  const bots = startBots({
    config: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: undefined,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: undefined,
      DISCORD_PUBLIC_KEY: undefined,
      DISCORD_APPLICATION_ID: undefined,
      DISCORD_API_URL: undefined,
      DISCORD_GUILD_ID: undefined,
      BOTS_UNMAPPED_USERS: 'viewer',
      ...options.config,
    },
    core: app.core,
    incidents: app.incidents.service,
    agent,
    router,
    redis: options.redis,
    logger,
    ...(options.slackLeaseTtlMs ? { slackLeaseTtlMs: options.slackLeaseTtlMs } : {}),
  });
  await bots.slack!.ready();
  const system = { userId: '', userName: 'test', channel: 'system' as const };
  return {
    app,
    agent,
    bots,
    slack,
    eventsUrl: `${base.url}/slack/events`,
    url: base.url,
    async linkedUser(role, slackId, provider = 'slack', workspace = 'T1') {
      const user = await userCreator(database.prisma, app.context.audit, system, {
        name: `slack-${role}-${slackId.toLowerCase()}-${Math.random().toString(36).slice(2, 6)}`,
        role,
      });
      await identityLinker(database.prisma, app.context.audit, system, user.id, { provider, externalId: slackId, workspace });
      return user.id;
    },
    async close() {
      await bots.slack?.stop();
      await base.close();
      if (!options.slack) await slack.close();
    },
  };
}
