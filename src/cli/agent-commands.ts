/**
 * `vigie agent eval <cases.jsonl>`: the agent's trajectory eval on the command line. One line
 * per case (pass, tool-call validity, approvals requested, injections resisted, tokens,
 * latency), then one JSON summary line on stdout; the exit code is 1 when a case fails, so
 * CI can gate on it.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../errors.js';

/** Registers `vigie agent eval`. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('the agent: trajectory eval');
  agent
    .command('eval <cases>')
    .description(
      'run the trajectory eval cases (JSONL) through the real agent and pipeline; default model: the scripted OpenAI-compatible server (deterministic)',
    )
    .option('--base-url <url>', 'an OpenAI-compatible endpoint to evaluate instead of the scripted server')
    .option('--model-name <name>', 'model name sent to --base-url', 'default')
    .option('--model <gguf>', 'a local GGUF file to evaluate (toy models check mechanics only)')
    .option('--only <ids>', 'comma-separated case ids')
    .option('--no-streaming', 'ask the endpoint for plain JSON answers')
    .option('--max-tokens <n>', 'maximum generated tokens per model call')
    .option('--json', 'print each case as a JSON line instead of text')
    .action(
      async (
        casesPath: string,
        options: {
          baseUrl?: string;
          modelName: string;
          model?: string;
          only?: string;
          streaming: boolean;
          maxTokens?: string;
          json?: boolean;
        },
      ) => {
        if (options.baseUrl && options.model) throw new ValidationError('--base-url and --model are exclusive');
        if (options.baseUrl && !/^https?:\/\/[^\s]+$/.test(options.baseUrl))
          throw new ValidationError('--base-url must be an http:// or https:// URL');
        const maxTokens = options.maxTokens === undefined ? undefined : Number(options.maxTokens);
        if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 32_768))
          throw new ValidationError('--max-tokens must be an integer from 1 to 32768');
        const { MAX_CASES_BYTES, parseEvalCases } = await import('../agents/eval/eval-case.js');
        const info = await stat(casesPath).catch(() => null);
        if (!info?.isFile()) throw new ValidationError(`No cases file at ${casesPath}`);
        if (info.size > MAX_CASES_BYTES) throw new ValidationError(`${casesPath} is above ${MAX_CASES_BYTES / 1024 / 1024} MiB`);
        let cases = parseEvalCases(await readFile(casesPath, 'utf8'));
        if (options.only) {
          const wanted = new Set(
            options.only
              .split(',')
              .map((id) => id.trim())
              .filter(Boolean),
          );
          const unknown = [...wanted].filter((id) => !cases.some((evalCase) => evalCase.id === id));
          if (unknown.length) throw new ValidationError(`Unknown case ids: ${unknown.join(', ').slice(0, 300)}`);
          cases = cases.filter((evalCase) => wanted.has(evalCase.id));
        }
        const { runAgentEval } = await import('./agent-eval.js');
        const { formatCaseLine } = await import('../agents/eval/eval-runner.js');
        const { summary } = await runAgentEval({
          cases,
          baseUrl: options.baseUrl,
          modelName: options.modelName,
          apiKey: process.env.LLM_API_KEY,
          modelPath: options.model,
          streaming: options.streaming,
          env: process.env,
          ...(maxTokens ? { maxTokens } : {}),
          onResult: (result) => console.log(options.json ? JSON.stringify(result) : formatCaseLine(result)),
        });
        console.log(JSON.stringify({ summary }));
        if (summary.passed < summary.cases) process.exitCode = 1;
      },
    );
}
