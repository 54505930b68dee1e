/**
 * The ceiling of a model turn for `npm run bench:agent`: the same two-request tool-calling turn
 * (the model asks for a tool, gets its result, answers, streamed) made by a bare LangChain loop
 * with no database, no pipeline, no audit and no events: `ChatOpenAI` bound to the SAME tool
 * definitions Vigie offered (read from the scripted server's first recorded request), against
 * the same scripted server, at the same concurrency. What Vigie's own time cannot go below
 * while it runs its agent on LangChain.
 */
import { AIMessage, type AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { ScriptedOpenAiServer } from '../../src/agents/eval/scripted-openai-server.js';
import { median, round } from './load-runner.js';

/** Figures of the bare loop: own time per turn (turn time minus the server's share), p50/p99, and CPU per turn. */
export interface BareTurnFigures {
  turns: number;
  concurrency: number;
  ownP50Ms: number;
  ownP99Ms: number;
  cpuMsPerTurn: number;
}

/** Runs `turns` bare turns, `concurrency` at once, against `server` (which must already hold one request of Vigie's, for its tool list). */
export async function bareLangChainTurns(
  server: ScriptedOpenAiServer,
  text: string,
  turns: number,
  concurrency: number,
): Promise<BareTurnFigures> {
  const offered = server.requests.find((request) => request.tools?.length)?.tools;
  if (!offered) throw new Error('the scripted server saw no request with tools: run Vigie turns first');
  const model = new ChatOpenAI({
    model: 'scripted',
    apiKey: 'not-needed',
    configuration: { baseURL: server.baseUrl },
    temperature: 0,
    streaming: true,
    streamUsage: true,
    maxRetries: 1,
  }).bindTools(offered);
  const oneTurn = async () => {
    const messages: BaseMessage[] = [new SystemMessage('You are Vigie.'), new HumanMessage(text)];
    for (let step = 0; step < 4; step += 1) {
      let reply: AIMessageChunk | undefined;
      let answer = '';
      for await (const chunk of await model.stream(messages)) {
        answer += typeof chunk.content === 'string' ? chunk.content : '';
        reply = reply ? reply.concat(chunk) : chunk;
      }
      const calls = reply?.tool_calls ?? [];
      if (calls.length === 0) return answer;
      messages.push(new AIMessage({ content: reply?.content ?? '', tool_calls: calls }));
      for (const call of calls)
        messages.push(
          new ToolMessage({ tool_call_id: call.id ?? '', content: JSON.stringify({ status: 'succeeded', result: { passages: [] } }) }),
        );
    }
    return '';
  };
  await oneTurn(); // warm-up
  const own: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < turns) {
      next += 1;
      const before = server.serverMs.length;
      const started = performance.now();
      await oneTurn();
      const elapsed = performance.now() - started;
      const made = server.serverMs.slice(before);
      const serverShare = made.length ? (made.reduce((sum, value) => sum + value, 0) / made.length) * 2 : 0;
      own.push(elapsed - serverShare);
    }
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = [...own].sort((a, b) => a - b);
  return {
    turns,
    concurrency,
    ownP50Ms: round(median(own), 1),
    ownP99Ms: round(sorted[Math.floor(sorted.length * 0.99)]!, 1),
    cpuMsPerTurn: round((cpu.user + cpu.system) / 1000 / turns, 1),
  };
}
