/**
 * LangChain and the model loop take about half a second to load. A node without a model never
 * needs them, so the agent imports them at its first model turn, not at start-up (issue 17).
 */
import type * as Messages from '@langchain/core/messages';
import type * as Memory from './conversation-memory.js';
import type * as Loop from './agent-loop.js';
import type * as Tools from './langchain-tools.js';

/** What a model turn needs from LangChain and the agent loop. */
export interface ModelTurnModules {
  HumanMessage: typeof Messages.HumanMessage;
  conversationMemory: typeof Memory.conversationMemory;
  runAgentLoop: typeof Loop.runAgentLoop;
  modelToolDefinitions: typeof Tools.modelToolDefinitions;
  offeredToolNames: typeof Tools.offeredToolNames;
}

/** Imports the model-turn modules (cached by the module loader after the first call). */
export async function loadModelTurnModules(): Promise<ModelTurnModules> {
  const [messages, memory, loop, tools] = await Promise.all([
    import('@langchain/core/messages'),
    import('./conversation-memory.js'),
    import('./agent-loop.js'),
    import('./langchain-tools.js'),
  ]);
  return {
    HumanMessage: messages.HumanMessage,
    conversationMemory: memory.conversationMemory,
    runAgentLoop: loop.runAgentLoop,
    modelToolDefinitions: tools.modelToolDefinitions,
    offeredToolNames: tools.offeredToolNames,
  };
}
