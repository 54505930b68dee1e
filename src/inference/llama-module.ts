/**
 * node-llama-cpp, loaded on first use. It costs ~40 MB of RSS and seconds of start-up, and a
 * node with no LLM_MODEL or EMBEDDING_MODEL never needs it: every value import of the package
 * goes through here (other files import its types only). import() caches the module itself.
 */
import type * as NodeLlamaCpp from 'node-llama-cpp';

/** The node-llama-cpp module's namespace. */
export type LlamaModule = typeof NodeLlamaCpp;

/** The node-llama-cpp module, imported when a model is first loaded or read. */
export function llamaModule(): Promise<LlamaModule> {
  return import('node-llama-cpp');
}
