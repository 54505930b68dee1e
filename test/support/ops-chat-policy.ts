/**
 * A deterministic "model" for the scripted OpenAI-compatible server: it reads the last user
 * message and the tool results so far and answers like a small tool-calling model would.
 * Rules are plain keyword matches (English and French), so tests and the eval know exactly
 * which calls a message should cause; after a tool result it answers with what the tool said.
 */
import { lastUserText, toolResultsSinceUser, type ChatPolicy, type ScriptedAnswer } from './scripted-openai-server.js';

/** One rule: when the user text matches, call these tools. */
export interface PolicyRule {
  match: RegExp;
  calls: ScriptedAnswer['toolCalls'];
  /** Calls made once the first round came back refused (a model fixing its call). */
  retry?: ScriptedAnswer['toolCalls'];
}

/** The default rules: valid, mutating, unknown, schema-invalid and malformed calls. */
export const OPS_RULES: PolicyRule[] = [
  { match: /malformed|json cass/i, calls: [{ name: 'knowledge_search', arguments: '{"query": "vpn' }] },
  {
    match: /bogus|outil inconnu/i,
    calls: [{ name: 'format_everything', arguments: { now: true } }],
    retry: [{ name: 'knowledge_search', arguments: { query: 'vpn' } }],
  },
  {
    match: /invalid args|arguments invalides/i,
    calls: [{ name: 'knowledge_search', arguments: { query: 42, extra: 'x' } }],
    retry: [{ name: 'knowledge_search', arguments: { query: 'vpn' } }],
  },
  { match: /restart|redémarre/i, calls: [{ name: 'restart_service', arguments: { service: 'nginx' } }] },
  { match: /runbook|vpn|procédure/i, calls: [{ name: 'knowledge_search', arguments: { query: 'vpn' } }] },
];

const summary = (raw: string) => {
  try {
    const parsed = JSON.parse(raw) as { status?: string; message?: string; error?: { message?: string } };
    return `${parsed.status ?? 'unknown'}${parsed.error?.message ? ` (${parsed.error.message})` : parsed.message ? ` (${parsed.message})` : ''}`;
  } catch {
    return 'unreadable';
  }
};

/** A policy from rules; text without a rule gets a plain answer. */
export function opsChatPolicy(rules: PolicyRule[] = OPS_RULES): ChatPolicy {
  return (request) => {
    const text = lastUserText(request);
    const results = toolResultsSinceUser(request);
    const rule = rules.find((candidate) => candidate.match.test(text));
    if (results.length > 0) {
      const refused = results.every((result) => result.includes('"refused"'));
      if (refused && rule?.retry && results.length === (rule.calls?.length ?? 1)) return { toolCalls: rule.retry };
      return { content: `Tool said: ${results.map(summary).join('; ')}` };
    }
    if (rule) return { toolCalls: rule.calls };
    return { content: `You said: ${text.slice(0, 200)}` };
  };
}
