/**
 * Drives the Slack test app like Slack does: signed slash commands, and waits for the
 * bot's parent message and thread answers on the fake Slack Web API. Shared by the Slack
 * bot tests so each file does not repeat the request plumbing.
 */
import { randomUUID } from 'node:crypto';
import { postToSlackEndpoint, slashCommandBody } from './fake-slack.js';
import { SIGNING_SECRET, type SlackTestApp } from './slack-test-app.js';

/** Helpers over the running app (`app()` is read at each call: the app starts in `before`). */
export function slackDriver(app: () => SlackTestApp, run: string) {
  const command = (user: string, text: string, extra: { channel?: string; trigger?: string } = {}) => {
    const harness = app();
    const trigger = extra.trigger ?? `${run}-${randomUUID()}`;
    const body = slashCommandBody({
      user,
      text,
      trigger,
      responseUrl: `${harness.slack.url}/response/${trigger}`,
      ...(extra.channel ? { channel: extra.channel } : {}),
    });
    return postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded').then((response) => ({
      ...response,
      trigger,
    }));
  };
  const threadAnswer = (threadTs: string, contains: string) =>
    app().slack.waitFor(
      (call) => call.method === 'chat.postMessage' && call.params.thread_ts === threadTs && String(call.params.text).includes(contains),
    );
  const parentOf = (user: string, text: string) =>
    app().slack.waitFor(
      (call) =>
        call.method === 'chat.postMessage' &&
        !call.params.thread_ts &&
        String(call.params.text).includes(`<@${user}>`) &&
        String(call.params.text).includes(text),
    );
  return { command, threadAnswer, parentOf };
}
