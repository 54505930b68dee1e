/**
 * Streamed model answers in Slack with SLACK_STREAMING=edit (and the fallback path when Slack
 * refuses its streaming API): one message in the thread, edited as tokens arrive and replaced
 * by the final Block Kit answer, never one message per token. Native streaming:
 * slack-native.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { answer, ScriptedChatModel } from '../agents/support/scripted-chat-model.js';
import { eventBody, postToSlackEndpoint, slashCommandBody } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

const REPLY = 'The core router is fine: every interface is up and the BGP sessions are established.';

for (const backend of testBackends()) {
  describe(`slack streaming on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    const database = backend.open();
    before(async () => {
      harness = await startSlackTestApp(await database, {
        model: { model: new ScriptedChatModel([answer(() => REPLY)]), name: 'scripted' },
        config: { SLACK_STREAMING: 'edit' },
      });
    });
    after(async () => {
      await harness?.close();
      await (await database).close();
    });

    it('posts one message and turns it into the final answer', async () => {
      await harness.linkedUser('operator', 'USTREAM');
      const body = eventBody(`EvStream${Date.now()}`, {
        type: 'app_mention',
        user: 'USTREAM',
        channel: 'CMAIN',
        text: '<@UBOT> how is the core router?',
        ts: '1700000900.000001',
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
      const final = await harness.slack.waitFor((call) => call.method === 'chat.update' && call.params.text === REPLY);
      const posts = harness.slack.calls.filter(
        (call) => call.method === 'chat.postMessage' && call.params.thread_ts === '1700000900.000001',
      );
      assert.equal(posts.length, 1, 'one message per turn');
      assert.ok(REPLY.startsWith(String(posts[0]!.params.text)), 'the first post carries the first tokens');
      assert.equal(final.params.ts, posts[0]!.response.ts);
      assert.match(JSON.stringify(final.params.blocks), /BGP sessions/);
      const message = await (await database).prisma.message.findFirstOrThrow({ where: { role: 'assistant', content: REPLY } });
      assert.equal(message.modelUsed, 'scripted');
      assert.ok(!harness.slack.calls.some((call) => call.method.endsWith('Stream')), 'edit mode never calls the streaming API');
    });

    it("streams a slash command's free-text answer into the thread the same way", async () => {
      await harness.linkedUser('operator', 'USTREAM2');
      const trigger = `stream-${Date.now()}`;
      const body = slashCommandBody({
        user: 'USTREAM2',
        text: 'how is the core router?',
        trigger,
        responseUrl: `${harness.slack.url}/response/${trigger}`,
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status, 200);
      const parent = await harness.slack.waitFor(
        (call) => call.method === 'chat.postMessage' && String(call.params.text).includes('<@USTREAM2>'),
      );
      const threadTs = String(parent.response.ts);
      const posts = () => harness.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params.thread_ts === threadTs);
      const first = await harness.slack.waitFor((call) => call.method === 'chat.postMessage' && call.params.thread_ts === threadTs);
      await harness.slack.waitFor(
        (call) => call.method === 'chat.update' && call.params.ts === first.response.ts && call.params.text === REPLY,
      );
      assert.equal(posts().length, 1);
    });
  });
}
