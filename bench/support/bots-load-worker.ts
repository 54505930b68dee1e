/**
 * The load side of `npm run bench:bots`, in its own worker thread so it does not share the
 * server's event loop (as Slack does not): the fake Slack Web API that receives the answers,
 * and the client that signs and sends `/vigie` slash commands with a fixed concurrency,
 * timing each one to its ack (the HTTP response) and to its threaded answer.
 */
import { parentPort } from 'node:worker_threads';
import { postToSlackEndpoint, slashCommandBody, startFakeSlack } from '../../test/bots/support/fake-slack.js';

/** What the main thread asks for. */
export interface LoadTask {
  url: string;
  secret: string;
  /** `vigie` waits for each threaded answer; `bare` only for the ack. */
  kind: 'vigie' | 'bare';
  count: number;
  warmup: number;
  concurrency: number;
}

/** What comes back. */
export interface LoadFigures {
  commandsPerSecond: number;
  ack: number[];
  final: number[];
  failures: number;
}

const port = parentPort!;
const slack = await startFakeSlack();
const finals = new Map<string, (at: number) => void>();
slack.listeners.add((call) => {
  if (call.method === 'chat.postMessage' && call.params.thread_ts) finals.get(String(call.params.channel))?.(call.at);
});

async function drive(task: LoadTask, count: number, record: boolean, figures: LoadFigures): Promise<number> {
  let next = 0;
  const send = async (index: number) => {
    const channel = `CB${record ? 'M' : 'W'}${index}`;
    const answered = task.kind === 'vigie' ? new Promise<number>((resolve) => finals.set(channel, resolve)) : undefined;
    const body = slashCommandBody({
      user: 'UBENCH',
      channel,
      text: task.kind === 'vigie' ? 'status' : '',
      trigger: `bench-${task.kind}-${record}-${index}-${Date.now()}`,
      responseUrl: `${slack.url}/response/${index}`,
    });
    const started = performance.now();
    const response = await postToSlackEndpoint(task.url, task.secret, body, 'application/x-www-form-urlencoded');
    const acked = performance.now();
    if (response.status !== 200) figures.failures += 1;
    if (record) figures.ack.push(acked - started);
    if (!answered) return;
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 30_000).unref());
    const finished = await Promise.race([answered, timeout]);
    finals.delete(channel);
    if (Number.isNaN(finished)) figures.failures += 1;
    else if (record) figures.final.push(finished - started);
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: task.concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

port.on('message', (task: LoadTask | 'close') => {
  if (task === 'close') {
    void slack.close().then(() => port.close());
    return;
  }
  void (async () => {
    const figures: LoadFigures = { commandsPerSecond: 0, ack: [], final: [], failures: 0 };
    await drive(task, task.warmup, false, figures);
    figures.commandsPerSecond = await drive(task, task.count, true, figures);
    port.postMessage(figures);
  })();
});
port.postMessage({ apiUrl: slack.apiUrl });
