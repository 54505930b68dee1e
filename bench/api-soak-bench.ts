/**
 * `npm run bench:api-soak`: memory under sustained load. The real app (bench/support/
 * api-setup.ts) serves BENCH_CONNECTIONS (100) connections cycling through the hot paths
 * (GET and POST /api/conversations, POST /api/commands `status`) for BENCH_SOAK_SECONDS
 * (300), the load generator in a process of its own so the server's RSS is the server's. RSS
 * is sampled every 5 s; growth is measured from the end of BENCH_WARMUP_SECONDS (30). Prints
 * ONE JSON line with the idle RSS, the RSS curve, the growth after warm-up, the throughput
 * and the load average. Floor (issue #18): growth < 100 MB.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startApiUnderTest } from './support/api-setup.js';
import { loadAverage, round } from './support/load-runner.js';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const FLOOR_MB = 100;
const run = promisify(execFile);
const mb = (bytes: number) => Math.round(bytes / 1048576);

async function main(): Promise<void> {
  const api = await startApiUnderTest('vigie_bench_soak', Number(process.env.BENCH_ROWS ?? 10_000));
  try {
    const headers = { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' };
    const options = {
      url: api.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers,
      requests: [
        { method: 'GET', path: '/api/conversations?limit=20' },
        { method: 'POST', path: '/api/conversations', body: JSON.stringify({ title: 'Soak', context: { site: 'DLA-1' } }) },
        { method: 'POST', path: '/api/commands', body: JSON.stringify({ text: 'status' }) },
      ],
    };
    global.gc?.();
    const idleMb = mb(process.memoryUsage().rss);
    const started = Date.now();
    const samples: Array<{ second: number; rssMb: number; heapMb: number }> = [];
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed) });
    }, 5_000);
    const loadStart = loadAverage();
    const script = path.join(import.meta.dirname, 'support', 'load-process.ts');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
      maxBuffer: 1 << 20,
      timeout: (SECONDS + 120) * 1000,
    });
    clearInterval(sampler);
    const figures = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
    const afterWarmup = samples.find((sample) => sample.second >= WARMUP_SECONDS) ?? samples[0];
    const last = samples[samples.length - 1];
    const growthMb = afterWarmup && last ? last.rssMb - afterWarmup.rssMb : Number.NaN;
    const line = {
      suite: 'api-soak',
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      idleRssMb: idleMb,
      rssAfterWarmupMb: afterWarmup?.rssMb,
      rssEndMb: last?.rssMb,
      rssMaxMb: Math.max(...samples.map((sample) => sample.rssMb)),
      growthAfterWarmupMb: growthMb,
      ...figures,
      rssCurveMb: samples.filter((_, index) => index % 6 === 0).map((sample) => sample.rssMb),
      floor: { growthMb: FLOOR_MB, met: growthMb < FLOOR_MB && figures.errors === 0 },
      loadAverage: { start: loadStart, end: loadAverage() },
      ratio: round(growthMb / FLOOR_MB),
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await api.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api-soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
