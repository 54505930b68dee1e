/**
 * Model management on the command line: `vigie models pull|list|info` and
 * `vigie embeddings rebuild`. Long operations show a progress bar on stderr (stdout stays
 * clean for --json); errors are typed and printed as one line by the CLI runner.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from '../../db/database.js';
import { ValidationError } from '../../errors.js';
import type { ModelInfo } from '../../inference/model-files.js';

// node-llama-cpp is heavy to import: the inference modules load only when a command runs.
const modelFiles = () => import('../../inference/model-files.js');

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function printInfo(info: ModelInfo): void {
  const template = info.chatTemplate
    ? `${info.chatTemplate.slice(0, 400)}${info.chatTemplate.length > 400 ? '…' : ''}`
    : '(none: a generic chat format is used)';
  console.log(
    [
      `file:           ${info.path}`,
      `size:           ${formatBytes(info.sizeBytes)} (GGUF v${info.ggufVersion})`,
      `name:           ${info.name ?? '(unnamed)'}`,
      `architecture:   ${info.architecture}`,
      `parameters:     ${info.parameters.toLocaleString('en-US')}${info.sizeLabel ? ` (${info.sizeLabel})` : ''}`,
      `quantisation:   ${info.quantisation}`,
      `layers:         ${info.layers}`,
      `context length: ${info.contextLength ?? 'unknown'}`,
      `embedding size: ${info.embeddingLength ?? 'unknown'}`,
      `chat template:  ${template}`,
    ].join('\n'),
  );
}

function progressBar(label: string): SingleBar {
  return new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true, noTTYOutput: false },
    Presets.shades_classic,
  );
}

/** Registers `models` and `embeddings` commands. */
export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('manage local GGUF models (DATA_DIR/models)');
  models
    .command('pull <reference>')
    .description('download a GGUF model (hf:<user>/<repo>/<file>.gguf or an https URL) into DATA_DIR/models and verify it')
    .option('--force', 'replace an existing file')
    .option('--hf-endpoint <url>', 'Hugging Face endpoint (a mirror)', 'https://huggingface.co')
    .option('--connect-timeout <ms>', 'give up when the server does not answer within this time', '10000')
    .option('--json', 'print JSON')
    .action(async (reference: string, options: { force?: boolean; hfEndpoint: string; connectTimeout: string; json?: boolean }) => {
      const config = loadConfig();
      const connectTimeoutMs = Number(options.connectTimeout);
      if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1)
        throw new ValidationError('--connect-timeout must be a positive integer (ms)');
      const { modelsDirectory } = await modelFiles();
      const { pullModel } = await import('../../inference/model-pull.js');
      const bar = progressBar('downloading');
      let started = false;
      try {
        const info = await pullModel({
          reference,
          directory: modelsDirectory(config.dataDir),
          huggingFaceEndpoint: options.hfEndpoint,
          connectTimeoutMs,
          force: options.force,
          onProgress: (received, total) => {
            if (!started) {
              bar.start(total ?? 0, 0);
              started = true;
            }
            if (total === null) bar.setTotal(received);
            bar.update(received);
          },
        });
        if (started) bar.stop();
        if (options.json) console.log(JSON.stringify(info, null, 2));
        else {
          console.log(`Saved ${info.path} (${formatBytes(info.sizeBytes)})`);
          printInfo(info);
        }
      } finally {
        if (started) bar.stop();
      }
    });
  models
    .command('list')
    .description('list the GGUF files in DATA_DIR/models')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { listModelFiles, modelsDirectory } = await modelFiles();
      const directory = modelsDirectory(config.dataDir);
      const found = await listModelFiles(directory);
      if (options.json) console.log(JSON.stringify(found, null, 2));
      else if (found.length === 0)
        console.log(`No models in ${directory}: run \`vigie models pull <hf:user/repo/file.gguf>\` or copy a .gguf file there`);
      else console.table(found.map((model) => ({ file: model.fileName, size: formatBytes(model.sizeBytes), modified: model.modifiedAt })));
    });
  models
    .command('info <file>')
    .description('describe a GGUF file: architecture, parameters, quantisation, context length, chat template')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const config = loadConfig();
      const { readModelInfo, resolveModelPath } = await modelFiles();
      const info = await readModelInfo(resolveModelPath(file, config.dataDir));
      if (options.json) console.log(JSON.stringify(info, null, 2));
      else printInfo(info);
    });

  const embeddings = program.command('embeddings').description('manage stored embeddings');
  embeddings
    .command('rebuild')
    .description('re-embed stored vectors made by another embedding model (after changing EMBEDDING_MODEL)')
    .option('--all', 're-embed every row, not only stale ones')
    .option('--batch-size <n>', 'rows per batch (one transaction each)', '64')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; batchSize: string; json?: boolean }) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new ValidationError('--batch-size must be an integer from 1 to 10000');
      const config = loadConfig();
      const { createEmbeddingService } = await import('../../inference/embedding-service.js');
      const { rebuildEmbeddings } = await import('../../inference/embedding-rebuild.js');
      const service = await createEmbeddingService({ config });
      const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
      const bar = progressBar('re-embedding');
      let current: string | null = null;
      try {
        const report = await rebuildEmbeddings({
          sql: database.sql,
          embedder: service.embedder,
          batchSize,
          all: options.all,
          onProgress: (table, done, total) => {
            if (current !== table) {
              if (current !== null) bar.stop();
              current = table;
              bar.start(total, done);
            }
            bar.update(done);
          },
        });
        if (current !== null) bar.stop();
        current = null;
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else
          for (const table of report.tables) console.log(`${table.table}: ${table.reembedded} row(s) re-embedded with ${report.modelId}`);
      } finally {
        if (current !== null) bar.stop();
        await database.close();
        await service.dispose();
      }
    });
}
