/**
 * A one-sequence LocalModelRuntime over a GGUF loaded in the test (the shared service lives
 * in src/inference); turns take the sequence one at a time.
 */
import type { LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { LocalModelRuntime, SequenceLease } from '../../../src/inference/inference-contract.js';

/** Serialises turns on one sequence. */
export class TinyRuntime implements LocalModelRuntime {
  private turn: Promise<void> = Promise.resolve();
  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaContextSequence,
    readonly modelName = 'stories260K.gguf',
  ) {}

  async acquireSequence(signal?: AbortSignal): Promise<SequenceLease> {
    let release!: () => void;
    const previous = this.turn;
    this.turn = new Promise((resolve) => (release = resolve));
    await previous;
    signal?.throwIfAborted();
    return { model: this.model, sequence: this.sequence, release };
  }
}
