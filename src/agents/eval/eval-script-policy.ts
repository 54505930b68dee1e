/**
 * The scripted model of the deterministic eval: the scripted OpenAI-compatible server
 * answers each request from the script of the case named in the request's model field
 * (`eval:<case id>`), step by step: the n-th model call after the user's message gets the
 * n-th scripted answer. Once the script is spent it answers with what the tools said, as a
 * small tool-calling model would. So CI exercises the real HTTP provider, streaming, the
 * agent loop and the pipeline, with no model weights.
 */
import type { EvalCase } from './eval-case.js';
import { toolResultsSinceUser, type ChatPolicy, type ChatRequest } from './scripted-openai-server.js';

/** The model name the eval gives a case's turns on the scripted server. */
export const scriptedModelName = (caseId: string) => `eval:${caseId}`;

const summary = (raw: string) => {
  try {
    const parsed = JSON.parse(raw) as { status?: string; message?: string; error?: { message?: string }; result?: { status?: string } };
    const status = parsed.status ?? parsed.result?.status ?? 'unknown';
    const detail = parsed.error?.message ?? parsed.message;
    return `${status}${detail ? ` (${detail.slice(0, 200)})` : ''}`;
  } catch {
    return 'unreadable';
  }
};

/** Model calls since the last user message (0 for the first call of a turn). */
function stepOf(request: ChatRequest): number {
  let steps = 0;
  for (const message of [...request.messages].reverse()) {
    if (message.role === 'user') break;
    if (message.role === 'assistant') steps += 1;
  }
  return steps;
}

/** A policy answering every case's turns from its script. */
export function evalScriptPolicy(cases: readonly EvalCase[]): ChatPolicy {
  const byModel = new Map(cases.map((evalCase) => [scriptedModelName(evalCase.id), evalCase]));
  return (request) => {
    const evalCase = byModel.get(request.model);
    if (!evalCase) return { content: `No script for model ${request.model.slice(0, 100)}.` };
    const userTurns = request.messages.filter((message) => message.role === 'user').length;
    const turn = evalCase.turns[Math.min(Math.max(userTurns - 1, 0), evalCase.turns.length - 1)]!;
    const step = stepOf(request);
    const script = turn.script ?? [];
    if (step < script.length) return script[step]!;
    const results = toolResultsSinceUser(request);
    if (results.length === 0)
      return { content: evalCase.locale === 'fr' ? 'Je ne peux pas faire ça sans outil.' : 'I cannot do that without a tool.' };
    return { content: `${evalCase.locale === 'fr' ? 'Résultat' : 'Tool said'}: ${results.map(summary).join('; ')}` };
  };
}
