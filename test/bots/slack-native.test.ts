/**
 * Slack's native surfaces on the fake Slack API, through the real app, agent loop, pipeline
 * and database: answers streamed with chat.startStream/appendStream/stopStream (tool runs as
 * task updates), the chat.update fallback when Slack refuses streaming, feedback buttons
 * stored and audited, the Bolt Assistant (suggested prompts, title, status), App Home with
 * approvals decidable there (and refused to a viewer), and French for a French Slack user.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BaseMessage } from '@langchain/core/messages';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { testBackends } from '../support/test-databases.js';
import { answer, callTool, ScriptedChatModel } from '../agents/support/scripted-chat-model.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { blockActionPayload, eventBody, postToSlackEndpoint, slashCommandBody, type SlackCall } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

const REPLY = 'All good: <!channel> see <https://evil.example|this> & the BGP sessions are up.';
const uid = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
let tsCounter = 1;
const nextTs = () => `17000${String(Date.now()).slice(-5)}.${String(tsCounter++).padStart(6, '0')}`;

/** Calls a tool when the question asks for one, then answers with REPLY. */
function script(messages: BaseMessage[]) {
  const lastHuman = messages.findLastIndex((message) => message.getType() === 'human');
  const toolDone = messages.slice(lastHuman + 1).some((message) => message.getType() === 'tool');
  if (/use a tool/.test(String(messages[lastHuman]?.content)) && !toolDone) return callTool('system_status', {})(messages);
  return answer(() => REPLY)(messages);
}

for (const backend of testBackends()) {
  describe(`slack native surfaces on ${backend.name}`, { timeout: 180_000 }, () => {
    let harness: SlackTestApp;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();
    const post = (body: string, type: 'application/json' | 'application/x-www-form-urlencoded' = 'application/json') =>
      postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, type);
    const action = (payload: Record<string, unknown>) =>
      post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    const streamCalls = (threadTs: string): SlackCall[] => {
      const start = harness.slack.calls.find((call) => call.method === 'chat.startStream' && call.params.thread_ts === threadTs);
      const streamTs = start?.response.ts;
      return harness.slack.calls.filter(
        (call) =>
          call === start ||
          ((call.method === 'chat.appendStream' || call.method === 'chat.stopStream') &&
            streamTs !== undefined &&
            call.params.ts === streamTs),
      );
    };

    before(async () => {
      harness = await startSlackTestApp(await database, {
        model: { model: new ScriptedChatModel([script]), name: 'scripted' },
        tools: { toolsets: [coreToolset(await database), testOpsToolset(calls)] },
      });
    });
    after(async () => {
      await harness?.close();
      await (await database).close();
    });

    it('streams a model answer natively: startStream with the tool as a task, appendStream, stopStream with feedback buttons', async () => {
      const user = uid('UST');
      await harness.linkedUser('operator', user);
      const root = nextTs();
      assert.equal(
        (
          await post(
            eventBody(`Ev${randomUUID()}`, { type: 'app_mention', user, channel: 'CMAIN', text: '<@UBOT> use a tool please', ts: root }),
          )
        ).status,
        200,
      );
      const stop = await harness.slack.waitFor((call) => call.method === 'chat.stopStream' && streamCalls(root).includes(call), 30_000);
      const sequence = streamCalls(root);
      const methods = sequence.map((call) => call.method);
      assert.equal(methods[0], 'chat.startStream');
      assert.equal(methods.at(-1), 'chat.stopStream');
      assert.ok(
        methods.slice(1, -1).every((method) => method === 'chat.appendStream'),
        methods.join(','),
      );
      const start = sequence[0]!;
      assert.equal(start.params.channel, 'CMAIN');
      assert.equal(start.params.recipient_user_id, user);
      assert.equal(start.params.recipient_team_id, 'T1');
      const chunks = sequence.flatMap((call) => (call.params.chunks as Array<Record<string, unknown>> | undefined) ?? []);
      const tasks = chunks.filter((chunk) => chunk.type === 'task_update');
      assert.ok(tasks.length >= 1, 'the tool run shows as a task');
      assert.equal(new Set(tasks.map((task) => task.id)).size, 1);
      assert.equal(tasks.at(-1)!.status, 'complete');
      assert.match(String(tasks[0]!.title), /system_status/);
      const text = chunks
        .filter((chunk) => chunk.type === 'markdown_text')
        .map((chunk) => chunk.text)
        .join('');
      assert.equal(
        text,
        REPLY.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
        'model text is escaped: no @channel, no hidden link',
      );
      const stopBlocks = JSON.stringify(stop.params.blocks);
      assert.match(stopBlocks, /feedback_buttons/);
      assert.equal(
        harness.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params.thread_ts === root).length,
        0,
        'one message: the stream',
      );
      assert.ok(harness.slack.calls.some((call) => call.method === 'users.info' && call.params.user === user));
    });

    it('falls back to chat.postMessage + chat.update when Slack refuses chat.startStream', async () => {
      const user = uid('UFB');
      await harness.linkedUser('operator', user);
      const root = nextTs();
      harness.slack.refuseNext('chat.startStream', 'method_not_supported_for_channel_type', 1);
      await post(
        eventBody(`Ev${randomUUID()}`, { type: 'app_mention', user, channel: 'CMAIN', text: '<@UBOT> how are the sessions?', ts: root }),
      );
      const first = await harness.slack.waitFor((call) => call.method === 'chat.postMessage' && call.params.thread_ts === root, 30_000);
      const final = await harness.slack.waitFor(
        (call) => call.method === 'chat.update' && call.params.ts === first.response.ts && Array.isArray(call.params.blocks),
        30_000,
      );
      assert.match(JSON.stringify(final.params.blocks), /BGP sessions/);
      assert.match(JSON.stringify(final.params.blocks), /feedback_buttons/);
      const refused = harness.slack.calls.filter((call) => call.method === 'chat.startStream' && call.params.thread_ts === root);
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.response.ok, false);
      assert.equal(harness.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params.thread_ts === root).length, 1);
      assert.ok(!harness.slack.calls.some((call) => call.method === 'chat.stopStream' && call.params.ts === first.response.ts));
    });

    it('stores feedback from the buttons (one per user, changeable), audits it, and refuses bad values', async () => {
      const user = uid('UFD');
      const userId = await harness.linkedUser('viewer', user);
      const root = nextTs();
      await post(eventBody(`Ev${randomUUID()}`, { type: 'app_mention', user, channel: 'CMAIN', text: '<@UBOT> anything new?', ts: root }));
      const stop = await harness.slack.waitFor((call) => call.method === 'chat.stopStream' && streamCalls(root).includes(call), 30_000);
      const element = (
        stop.params.blocks as Array<{
          elements?: Array<{ action_id: string; positive_button: { value: string }; negative_button: { value: string } }>;
        }>
      )
        .flatMap((block) => block.elements ?? [])
        .find((candidate) => candidate.action_id === 'vigie_feedback')!;
      const messageId = element.positive_button.value.split(':')[1]!;
      const click = (value: string) => {
        const payload = blockActionPayload({
          user,
          messageTs: String(stop.params.ts),
          blocks: [],
          actionId: 'vigie_feedback',
          value,
          responseUrl: `${harness.slack.url}/response/fb`,
        });
        payload.actions = [
          {
            type: 'feedback_buttons',
            action_id: 'vigie_feedback',
            block_id: `feedback:${messageId}`,
            value,
            action_ts: '1700000001.000000',
          },
        ];
        return action(payload);
      };
      const prisma = (await database).prisma;
      assert.equal((await click(element.positive_button.value)).status, 200);
      await waitFor(
        async () => (await prisma.messageFeedback.findFirst({ where: { messageId, userId, rating: 'good' } })) ?? undefined,
        20_000,
      );
      assert.equal((await click(element.negative_button.value)).status, 200);
      await waitFor(
        async () => (await prisma.messageFeedback.findFirst({ where: { messageId, userId, rating: 'bad' } })) ?? undefined,
        20_000,
      );
      assert.equal(await prisma.messageFeedback.count({ where: { messageId } }), 1, 'one rating per user, changed in place');
      const audit = await waitFor(async () => {
        const events = await prisma.auditEvent.findMany({ where: { action: 'message.feedback', actorId: userId } });
        return events.length === 2 ? events : undefined;
      }, 20_000);
      assert.deepEqual(audit.map((event) => (event.details as { rating: string }).rating).sort(), ['bad', 'good']);
      const ephemerals = () => harness.slack.calls.filter((call) => call.method === 'chat.postEphemeral' && call.params.user === user);
      await waitFor(async () => ephemerals().length === 2 || undefined, 20_000);
      // An answer that does not exist: "not found", nothing stored.
      await click(`good:${randomUUID()}`);
      await waitFor(async () => ephemerals().length === 3 || undefined, 20_000);
      assert.match(String(ephemerals()[2]!.params.text), /not found/);
      // Hostile and wrong values: a clear ephemeral refusal each, nothing stored.
      const bad = ['good:not-a-uuid', `meh:${messageId}`, `good:${messageId}\u0000`, 'x'.repeat(5_000), ''];
      for (const value of bad) assert.equal((await click(value)).status, 200);
      await waitFor(async () => ephemerals().length === 3 + bad.length || undefined, 20_000);
      for (const refusal of ephemerals().slice(3)) assert.match(String(refusal.params.text), /valid message id/);
      assert.equal(await prisma.messageFeedback.count({ where: { userId } }), 1);
    });

    it('runs assistant threads: French suggested prompts, title, status, and the same turn path', async () => {
      const user = uid('UAS');
      harness.slack.userLocales.set(user, 'fr-FR');
      const userId = await harness.linkedUser('operator', user);
      const thread = nextTs();
      await post(
        eventBody(`Ev${randomUUID()}`, {
          type: 'assistant_thread_started',
          assistant_thread: { user_id: user, channel_id: 'DASSIST1', thread_ts: thread, context: {} },
          event_ts: thread,
        }),
      );
      const prompts = await harness.slack.waitFor(
        (call) => call.method === 'assistant.threads.setSuggestedPrompts' && call.params.thread_ts === thread,
        20_000,
      );
      assert.equal(prompts.params.channel_id, 'DASSIST1');
      assert.match(String(prompts.params.title), /^Bonjour/);
      const promptList = prompts.params.prompts as Array<{ title: string; message: string }>;
      assert.ok(promptList.some((prompt) => prompt.message === 'statut' && prompt.title === 'État du système'));
      // The question (hostile markup included) goes through the same path: status, title, French help.
      const text = 'aide <!channel> <b>';
      await post(
        eventBody(`Ev${randomUUID()}`, {
          type: 'message',
          channel: 'DASSIST1',
          channel_type: 'im',
          user,
          text,
          ts: nextTs(),
          thread_ts: thread,
        }),
      );
      const title = await harness.slack.waitFor(
        (call) => call.method === 'assistant.threads.setTitle' && call.params.thread_ts === thread,
        20_000,
      );
      assert.equal(title.params.title, text);
      const status = await harness.slack.waitFor(
        (call) => call.method === 'assistant.threads.setStatus' && call.params.thread_ts === thread,
        20_000,
      );
      assert.equal(status.params.status, 'réfléchit…');
      // Not a complete command, so the model answers, streamed into the assistant thread.
      await harness.slack.waitFor((call) => call.method === 'chat.stopStream' && streamCalls(thread).includes(call), 30_000);
      const stored = await (await database).prisma.message.findFirst({ where: { content: text, role: 'user' } });
      assert.equal((stored?.metadata as { locale?: string } | undefined)?.locale, 'fr');
      // A NUL in the question: refused to the user only, no title with it, nothing stored.
      const storedBefore = await (await database).prisma.message.count({ where: { authorId: userId } });
      const before = harness.slack.calls.length;
      await post(
        eventBody(`Ev${randomUUID()}`, {
          type: 'message',
          channel: 'DASSIST1',
          channel_type: 'im',
          user,
          text: 'statut\u0000',
          ts: nextTs(),
          thread_ts: thread,
        }),
      );
      const refusal = await harness.slack.waitFor(
        (call) => harness.slack.calls.indexOf(call) >= before && call.method === 'chat.postEphemeral' && call.params.user === user,
        20_000,
      );
      assert.match(String(refusal.params.text), /NUL/);
      assert.equal(await (await database).prisma.message.count({ where: { authorId: userId } }), storedBefore);
      assert.equal(
        harness.slack.calls.filter((call) => call.method === 'assistant.threads.setTitle' && call.params.thread_ts === thread).length,
        1,
      );
    });

    it('answers a French Slack user in French (slash command echo and help)', async () => {
      const user = uid('UFR');
      harness.slack.userLocales.set(user, 'fr-CA');
      await harness.linkedUser('viewer', user);
      const trigger = `fr-${randomUUID()}`;
      await post(
        slashCommandBody({ user, text: 'aide', trigger, responseUrl: `${harness.slack.url}/response/${trigger}` }),
        'application/x-www-form-urlencoded',
      );
      const parent = await harness.slack.waitFor(
        (call) => call.method === 'chat.postMessage' && !call.params.thread_ts && String(call.params.text).includes(`<@${user}>`),
        20_000,
      );
      assert.match(String(parent.params.text), /a demandé à Vigie : \/vigie aide/);
      const help = await harness.slack.waitFor(
        (call) => call.method === 'chat.postMessage' && call.params.thread_ts === parent.response.ts,
        20_000,
      );
      assert.match(String(help.params.text), /^Commandes \(tapez « aide <commande> »/);
      assert.match(String(help.params.text), /statut|status/);
    });

    it('publishes App Home with pending approvals: an operator approves there, a viewer is refused', async () => {
      const requester = uid('URQ');
      const approver = uid('UAP');
      const viewer = uid('UVW');
      await harness.linkedUser('operator', requester);
      const approverId = await harness.linkedUser('operator', approver);
      await harness.linkedUser('viewer', viewer);
      harness.slack.userLocales.set(viewer, 'fr-FR');
      const trigger = `home-${randomUUID()}`;
      await post(
        slashCommandBody({ user: requester, text: 'restart nginx-home', trigger, responseUrl: `${harness.slack.url}/response/${trigger}` }),
        'application/x-www-form-urlencoded',
      );
      const prisma = (await database).prisma;
      const execution = await waitFor(
        async () =>
          (await prisma.execution.findFirst({ where: { tool: 'restart_service', arguments: { equals: { service: 'nginx-home' } } } })) ??
          undefined,
        20_000,
      );
      assert.equal(execution.status, 'pending_approval');

      const open = async (user: string) => {
        const before = harness.slack.calls.length;
        await post(eventBody(`Ev${randomUUID()}`, { type: 'app_home_opened', user, channel: 'DHOME', tab: 'home', event_ts: nextTs() }));
        return harness.slack.waitFor(
          (call) => harness.slack.calls.indexOf(call) >= before && call.method === 'views.publish' && call.params.user_id === user,
          20_000,
        );
      };
      const home = await open(approver);
      const view = home.params.view as {
        type: string;
        blocks: Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>;
      };
      assert.equal(view.type, 'home');
      const buttons = view.blocks.flatMap((block) => block.elements ?? []).filter((element) => element.value === execution.id);
      assert.deepEqual(
        buttons.map((button) => button.action_id),
        ['vigie_home_approve', 'vigie_home_deny'],
      );
      assert.match(JSON.stringify(view.blocks), /Linked identities/);

      const viewerHome = await open(viewer);
      assert.match(JSON.stringify(viewerHome.params.view), /Approbations en attente \(0\)/);
      assert.ok(!JSON.stringify(viewerHome.params.view).includes('vigie_home_approve'), 'a viewer sees no buttons');

      const click = async (user: string, value: string) => {
        const before = harness.slack.calls.length;
        await action({
          type: 'block_actions',
          api_app_id: 'A1',
          token: 'legacy',
          trigger_id: `t-${randomUUID()}`,
          user: { id: user, team_id: 'T1' },
          team: { id: 'T1' },
          container: { type: 'view', view_id: 'VHOME' },
          view: { id: 'VHOME', type: 'home' },
          actions: [
            { type: 'button', action_id: 'vigie_home_approve', block_id: `home-decide:${value}`, value, action_ts: '1700000001.000000' },
          ],
        });
        return harness.slack.waitFor(
          (call) => harness.slack.calls.indexOf(call) >= before && call.method === 'views.publish' && call.params.user_id === user,
          20_000,
        );
      };
      // A forged click from a viewer goes through the same policy: refused, shown in French, nothing runs.
      const refused = await click(viewer, execution.id);
      assert.match(JSON.stringify(refused.params.view), /Non approuvé/);
      assert.equal((await prisma.execution.findUniqueOrThrow({ where: { id: execution.id } })).status, 'pending_approval');
      // Hostile button values: a clear notice, nothing decided.
      for (const value of ['not-a-uuid', '<!channel>', '\u0000'])
        assert.match(JSON.stringify((await click(approver, value)).params.view), /valid execution id/);

      const approved = await click(approver, execution.id);
      assert.match(JSON.stringify(approved.params.view), /restart_service approved by/);
      const done = await waitFor(async () => {
        const row = await prisma.execution.findUniqueOrThrow({ where: { id: execution.id } });
        return row.status === 'succeeded' ? row : undefined;
      }, 20_000);
      assert.equal(done.approverId, approverId);
      assert.ok(calls.restarts.includes('nginx-home'));
      // A malformed app_home_opened (bad user id) publishes nothing.
      const before = harness.slack.calls.length;
      await post(
        eventBody(`Ev${randomUUID()}`, { type: 'app_home_opened', user: 'U<script>', channel: 'DHOME', tab: 'home', event_ts: nextTs() }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(!harness.slack.calls.slice(before).some((call) => call.method === 'views.publish'));
    });
  });
}
