/**
 * Every renderer fed every tool's view, then the same views with hostile and oversized text:
 * Slack Block Kit stays within 50 blocks, 3,000 characters per text and 10 fields, with
 * markup escaped (no <!channel>, no <script>); Discord Components V2 messages carry the
 * 1 << 15 flag, at most 40 components and 4,000 characters, with markdown and mentions
 * neutralised; the CLI's terminal text has no control characters; approval cards show the
 * effect (QoS tc commands, the service draft) and who may approve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnResult } from '../../src/agents/agent-service.js';
import { renderTerminalView } from '../../src/cli/terminal-view.js';
import {
  COMPONENTS_V2_FLAG,
  countComponents,
  countText,
  viewContainer,
  viewEmbed,
  type DiscordComponent,
} from '../../src/chat-render/discord-result-view.js';
import { executionMessage } from '../../src/chat-render/discord-execution-card.js';
import { executionBlocks } from '../../src/chat-render/slack-execution-card.js';
import { viewBlocks } from '../../src/chat-render/slack-result-view.js';
import { turnMessages } from '../../src/bots/discord/discord-render.js';
import { turnBlocks } from '../../src/bots/slack/slack-blocks.js';
import type { ExecutionView } from '../../src/tools/pipeline/execution-view.js';
import { HOSTILE, extraViews, toolFixtures } from '../support/view-fixtures.js';

const allViews = (text = '') => [...toolFixtures(text).map((fixture) => ({ name: fixture.tool, view: fixture.view })), ...extraViews(text)];

function execution(overrides: Partial<ExecutionView>): ExecutionView {
  return {
    id: '0193a3c1-0000-7000-8000-00000000a001',
    tool: 'qos_apply',
    toolset: 'qos',
    riskLevel: 'disruptive',
    arguments: { intent: 'x' },
    status: 'pending_approval',
    requesterId: '0193a3c1-0000-7000-8000-0000000000u1',
    requesterName: 'alice',
    channel: 'slack',
    conversationId: null,
    approverId: null,
    decidedAt: null,
    expiresAt: '2026-12-06T21:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    result: null,
    progress: null,
    traceId: 't',
    createdAt: '2026-12-06T20:00:00.000Z',
    ...overrides,
  };
}

function slackTexts(blocks: unknown[]): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.text === 'string') texts.push(record.text);
      Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return texts;
}

function checkSlack(blocks: Array<Record<string, unknown>>, name: string): void {
  assert.ok(blocks.length >= 1 && blocks.length <= 50, `${name}: ${blocks.length} blocks`);
  for (const block of blocks) {
    const fields = block.fields as unknown[] | undefined;
    if (fields) assert.ok(fields.length <= 10, `${name}: ≤ 10 fields`);
  }
  for (const text of slackTexts(blocks)) {
    assert.ok(text.length <= 3_000, `${name}: text of ${text.length}`);
    assert.doesNotMatch(text, /<!channel>|<script|<img|<@U123>/, `${name}: markup escaped`);
  }
}

function checkDiscord(components: DiscordComponent[], name: string): void {
  assert.ok(countComponents(components) <= 40, `${name}: ${countComponents(components)} components`);
  assert.ok(countText(components) <= 4_000, `${name}: ${countText(components)} characters`);
  const json = JSON.stringify(components);
  assert.doesNotMatch(json, /@everyone|<@U123>/, `${name}: mentions neutralised`);
  // Outside code blocks (shown verbatim), result text never becomes a markdown link.
  assert.doesNotMatch(json.replace(/```[\s\S]*?```/g, ''), /\]\(javascript:/, `${name}: no markdown link from result text`);
}

describe('result view renderers', () => {
  for (const [label, text] of [
    ['plain', ''],
    ['hostile and oversized', HOSTILE],
  ] as const) {
    it(`Slack, Discord and the CLI render every view (${label})`, () => {
      for (const { name, view } of allViews(text)) {
        checkSlack(viewBlocks(view) as unknown as Array<Record<string, unknown>>, name);
        checkDiscord([viewContainer(view)], name);
        const embed = viewEmbed(view);
        assert.ok((embed.description?.length ?? 0) <= 4_096 && (embed.title?.length ?? 0) <= 256, `${name}: embed fallback within limits`);
        const terminal = renderTerminalView(view);
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(terminal, /[\u0000-\u0008\u000b-\u001f\u007f]/, `${name}: no control characters in the terminal`);
        assert.ok(terminal.startsWith(`${''}`) && terminal.includes(view.headline.slice(0, 20)));
      }
    });
  }

  it('the terminal shows tables, bars and sparklines, not JSON', () => {
    const views = new Map(allViews().map((entry) => [entry.name, entry.view]));
    const check = renderTerminalView(views.get('net_check')!);
    assert.match(check, /Target\s+Address\s+Loss/);
    assert.match(check, /[▁▂▃▄▅▆▇█]/);
    assert.doesNotMatch(check, /[{}]"/);
    assert.match(renderTerminalView(views.get('dedup_query')!), /█+░*/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(renderTerminalView({ kind: 'x', headline: 'a\u001b[31mred', tone: 'ok', blocks: [] }), /\u001b/);
  });

  it('approval cards show what will run and who may approve, on Slack and Discord', () => {
    const preview = extraViews().find((entry) => entry.name === 'qos_apply preview')!.view;
    const pending = execution({ preview });
    const slack = executionBlocks(pending) as unknown as Array<Record<string, unknown>>;
    checkSlack(slack, 'slack approval');
    const slackText = slackTexts(slack).join('\n');
    assert.match(slackText, /class replace dev nc0 parent 1:1 classid 1:10 htb rate 20mbit/);
    assert.match(slackText, /other than alice/);
    assert.ok(slack.some((block) => block.type === 'actions'));

    const discord = executionMessage(pending);
    assert.equal(discord.flags, COMPONENTS_V2_FLAG);
    assert.equal(discord.embeds, undefined);
    checkDiscord(discord.components as DiscordComponent[], 'discord approval');
    const json = JSON.stringify(discord.components);
    assert.match(json, /classid 1:10 htb rate 20mbit/);
    assert.match(json, /vigie:approve:0193a3c1-0000-7000-8000-00000000a001/);
    assert.match(json, /other than alice/);

    const draft = extraViews().find((entry) => entry.name === 'service_create preview')!.view;
    assert.match(
      slackTexts(executionBlocks(execution({ tool: 'service_create', riskLevel: 'mutate', preview: draft })) as unknown[]).join('\n'),
      /10 000 XAF/,
    );
  });

  it('a command answer is the card, not the card and a JSON dump', () => {
    const fixture = toolFixtures().find((entry) => entry.tool === 'net_check')!;
    const done = execution({
      tool: 'net_check',
      riskLevel: 'read',
      status: 'succeeded',
      result: { ...fixture.result, view: fixture.view },
    });
    const result = {
      route: 'command',
      executions: [done],
      message: { content: `net_check: ${fixture.view.headline}` },
    } as unknown as TurnResult;
    const messages = turnMessages(result);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.flags, COMPONENTS_V2_FLAG);
    assert.doesNotMatch(JSON.stringify(messages), /"samplesMs"|"measurements"/);
    const blocks = turnBlocks(result) as unknown as Array<Record<string, unknown>>;
    checkSlack(blocks, 'slack command');
    assert.doesNotMatch(JSON.stringify(blocks), /"samplesMs"|"measurements"/);
    assert.match(JSON.stringify(blocks), /Target/);
  });
});
