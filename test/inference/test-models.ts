/**
 * Where the tests find the toy GGUF models: ../shared/models relative to the repository
 * root (VIGIE_TEST_MODELS_DIR overrides it), never downloaded.
 */
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Directory of the shared toy models. */
export const TEST_MODELS_DIR = process.env.VIGIE_TEST_MODELS_DIR ?? path.resolve(root, '..', 'shared', 'models');

/** Karpathy's 260K TinyStories model: deterministic at temperature 0. */
export const STORIES_MODEL = path.join(TEST_MODELS_DIR, 'stories260K.gguf');

/** Random-weight Llama 2 shape with the full 32k vocabulary. */
export const TINY_RANDOM_MODEL = path.join(TEST_MODELS_DIR, 'llama-2-tiny-random.gguf');
