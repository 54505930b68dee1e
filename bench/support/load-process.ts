/**
 * autocannon in a process of its own, for the memory soak: the server's RSS must not include
 * the load generator's (a worker thread shares the process). Reads its options as one JSON
 * argument and prints autocannon's summary figures as one JSON line.
 */
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const result = await autocannon(options);
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  }) + '\n',
);
