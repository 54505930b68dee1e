/**
 * The scripted OpenAI-compatible server lives in src/agents/eval (the `vigie agent eval`
 * command runs it); tests keep importing it from here.
 */
export * from '../../src/agents/eval/scripted-openai-server.js';
