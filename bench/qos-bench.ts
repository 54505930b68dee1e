/**
 * `npm run bench:qos`: plan + validate + compile time for policies of 10, 100 and 1,000
 * classes, and applying 1,000 classes through one `tc -batch` against one tc process per
 * command (the baseline) in the same run, inside a throwaway namespace. One JSON line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assumedCapabilities, probeKernelCapabilities } from '../src/tools/qos/capabilities.js';
import { batchLine, compilePolicy } from '../src/tools/qos/compiler.js';
import { resolveForKernel } from '../src/tools/qos/fallbacks.js';
import { policyFromRequest } from '../src/tools/qos/qos-planner.js';
import { createCommandRunner } from '../src/tools/qos/tc-runner.js';
import { readLiveState } from '../src/tools/qos/tc-state.js';
import { assertValidPolicy } from '../src/tools/qos/validation.js';
import { createLab, labUnavailableReason } from '../test/qos/netns-lab.js';
import { widePolicy } from '../test/qos/qos-templates.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number) => Math.round(value * 100) / 100;

async function main() {
  const unavailable = labUnavailableReason();
  const capabilities = unavailable ? assumedCapabilities(unavailable) : await probeKernelCapabilities();
  const figures: Record<string, unknown> = { suite: 'qos', capabilities: capabilities.source };
  for (const count of [10, 100, 1_000]) {
    const input = widePolicy('eth1', count);
    const samples: number[] = [];
    const runs = count === 1_000 ? 15 : 40;
    for (let run = -5; run < runs; run++) {
      const started = performance.now();
      const { policy } = policyFromRequest({ policy: input }, 1e9);
      assertValidPolicy(policy);
      compilePolicy(resolveForKernel(policy, capabilities));
      if (run >= 0) samples.push(performance.now() - started);
    }
    figures[`plan_ms_${count}`] = round(median(samples));
  }
  const intentSamples: number[] = [];
  for (let run = 0; run < 40; run++) {
    const started = performance.now();
    const { policy } = policyFromRequest(
      { intent: 'garantir 20 Mbit/s pour la vidéo sur eth1; limiter les sauvegardes à 50 Mbit/s; prioriser la voix avec 2 Mbit/s' },
      1e9,
    );
    compilePolicy(resolveForKernel(assertValidPolicy(policy), capabilities));
    intentSamples.push(performance.now() - started);
  }
  figures.intent_plan_ms = round(median(intentSamples));
  figures.plan_100_under_50ms = (figures.plan_ms_100 as number) < 50;

  if (unavailable) {
    figures.apply = `skipped: ${unavailable}`;
  } else {
    const lab = createLab();
    const directory = await mkdtemp(path.join(tmpdir(), 'vigie-qos-bench-'));
    try {
      const runner = createCommandRunner({ namespace: lab.sender });
      const { policy } = policyFromRequest({ policy: widePolicy(lab.senderDevice, 1_000) }, 10e9);
      const compiled = compilePolicy(resolveForKernel(assertValidPolicy(policy), capabilities));
      const clear = () => runner.run('tc', ['qdisc', 'del', 'dev', lab.senderDevice, 'root']);
      const file = path.join(directory, 'policy.tc');
      await writeFile(file, `${compiled.commands.map(batchLine).join('\n')}\n`);
      const batchSamples: number[] = [];
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        await runner.run('tc', ['-batch', file], { timeoutMs: 120_000 });
        batchSamples.push(performance.now() - started);
        await clear();
      }
      const started = performance.now();
      for (const argv of compiled.commands) await runner.run('tc', argv);
      const perCommand = performance.now() - started;
      const readStarted = performance.now();
      const state = await readLiveState(runner, lab.senderDevice);
      figures.read_back_ms_1000 = round(performance.now() - readStarted);
      figures.read_back_classes = state.classes.length;
      await clear();
      figures.apply_commands_1000 = compiled.commands.length;
      figures.apply_batch_ms_1000 = round(median(batchSamples));
      figures.apply_per_command_ms_1000 = round(perCommand);
      figures.batch_speedup = round(perCommand / median(batchSamples));
      figures.batch_at_least_5x = perCommand / median(batchSamples) >= 5;
    } finally {
      await rm(directory, { recursive: true, force: true });
      lab.close();
    }
  }
  figures.note = 'medians; shared 2-core machine, expect noise; per-command baseline measured once in the same run';
  console.log(JSON.stringify(figures));
}

await main();
