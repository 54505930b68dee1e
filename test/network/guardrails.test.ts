/**
 * Hostile input against the network engine: every refusal is a clear typed error and
 * nothing runs — no process (recording runner), no socket (probe counter stays at zero).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { AppError } from '../../src/errors.js';
import { assertSafeArguments, type CommandRunner } from '../../src/tools/network/command-runner.js';
import { NetworkAnalyzer } from '../../src/tools/network/network-analyzer.js';
import { networkMetrics } from '../../src/tools/network/network-metrics.js';
import { analysisRequestSchema } from '../../src/tools/network/network-schemas.js';
import { networkSettings } from '../../src/tools/network/network-settings.js';

const DNS: Record<string, string[]> = {
  'db1.lab.internal': ['10.1.2.3'],
  'evil.example.com': ['93.184.216.34'],
  'split.example.com': ['10.1.2.4', '93.184.216.34'],
  'metadata.lab.internal': ['169.254.169.254'],
  'listed.partner.net': ['203.0.113.7'],
};

function harness(overrides: Record<string, string> = {}) {
  const calls: string[][] = [];
  const runner: CommandRunner = async (binary, args) => {
    calls.push([binary, ...args]);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 0 };
  };
  const registry = new Registry();
  const analyzer = new NetworkAnalyzer({
    settings: networkSettings({
      NET_ALLOWED_TARGETS: '10.0.0.0/8,127.0.0.0/8,listed.partner.net,*.lab.internal',
      NET_MAX_PORTS: '4',
      NET_MAX_PROBES: '20',
      NET_MAX_TARGETS: '3',
      NET_RATE_LIMIT_PER_MINUTE: '1000',
      ...overrides,
    }),
    runner,
    resolver: async (name) => {
      const answer = DNS[name];
      if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return answer;
    },
    metrics: networkMetrics(registry),
  });
  const probes = async () =>
    (await registry.getSingleMetric('vigie_network_probes_total')!.get()).values.reduce((total, value) => total + value.value, 0);
  return { analyzer, calls, probes };
}

async function refusal(analyzer: NetworkAnalyzer, body: unknown): Promise<AppError> {
  const request = analysisRequestSchema.safeParse(body);
  if (!request.success) return new AppError('validation_error', 400, request.error.issues[0]!.message);
  try {
    await analyzer.analyze(request.data, { userId: 'tester' });
  } catch (error) {
    assert.ok(error instanceof AppError, `expected a typed error, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(body)} to be refused`);
}

describe('network guardrails', () => {
  const hostile: Array<[string, unknown, number, RegExp]> = [
    ['outside the allowlist', { targets: ['8.8.8.8'] }, 403, /outside NET_ALLOWED_TARGETS/],
    ['a shell injection', { targets: ['10.0.0.1; rm -rf /'] }, 400, /not a dotted-quad IPv4 address or a valid host name/],
    ['a bare shell string', { targets: ['; rm -rf /'] }, 400, /not a dotted-quad/],
    ['command substitution', { targets: ['$(reboot)'] }, 400, /not a dotted-quad/],
    ['an option-looking target', { targets: ['-f'] }, 400, /not a dotted-quad/],
    ['IPv6 loopback', { targets: ['::1'] }, 400, /IPv6/],
    ['bracketed IPv6', { targets: ['[fe80::1%eth0]'] }, 400, /IPv6/],
    ['IPv4-mapped IPv6', { targets: ['::ffff:10.0.0.1'] }, 400, /IPv6/],
    ['hex IPv4', { targets: ['0x0a.0.0.1'] }, 400, /not a dotted-quad/],
    ['octal IPv4', { targets: ['010.0.0.1'] }, 400, /not a dotted-quad/],
    ['integer IPv4', { targets: ['167772161'] }, 400, /not a dotted-quad/],
    ['short IPv4', { targets: ['10.1'] }, 400, /not a dotted-quad/],
    ['a name resolving outside', { targets: ['evil.example.com'] }, 403, /resolves to 93\.184\.216\.34/],
    ['a name resolving partly outside', { targets: ['split.example.com'] }, 403, /resolves to 93\.184\.216\.34/],
    ['a listed name pointing at link-local metadata', { targets: ['metadata.lab.internal'] }, 403, /169\.254\.169\.254/],
    ['an unresolvable name', { targets: ['nowhere.lab.internal'] }, 400, /does not resolve/],
    ['a huge port range', { targets: ['10.0.0.1'], checks: ['tcp'], options: { ports: '1-65535' } }, 400, /too large/],
    ['more ports than NET_MAX_PORTS', { targets: ['10.0.0.1'], checks: ['tcp'], options: { ports: '1-6' } }, 400, /NET_MAX_PORTS/],
    ['more probes than NET_MAX_PROBES', { targets: ['10.0.0.1'], options: { count: 50 } }, 400, /NET_MAX_PROBES/],
    ['more targets than NET_MAX_TARGETS', { targets: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] }, 400, /NET_MAX_TARGETS/],
    ['one bad target among good ones', { targets: ['10.0.0.1', '8.8.4.4'] }, 403, /8\.8\.4\.4/],
    ['an unknown check', { targets: ['10.0.0.1'], checks: ['shell'] }, 400, /.+/],
  ];
  for (const [label, body, status, message] of hostile) {
    it(`refuses ${label}, running nothing`, async () => {
      const { analyzer, calls, probes } = harness();
      const error = await refusal(analyzer, body);
      assert.equal(error.status, status, error.message);
      assert.match(error.message, message);
      assert.deepEqual(calls, []);
      assert.equal(await probes(), 0);
    });
  }

  it('accepts listed names and names resolving inside, pinning the resolved address', async () => {
    const { analyzer } = harness();
    const admitted = await analyzer.admitTargets(['db1.lab.internal', 'listed.partner.net', '10.9.8.7']);
    assert.deepEqual(
      admitted.map((target) => target.address),
      ['10.1.2.3', '203.0.113.7', '10.9.8.7'],
    );
  });

  it('rate-limits runs per user', async () => {
    const { analyzer } = harness({ NET_RATE_LIMIT_PER_MINUTE: '2' });
    const request = analysisRequestSchema.parse({ targets: ['10.0.0.1'], checks: ['dns'] });
    await analyzer.analyze(request, { userId: 'alice' });
    await analyzer.analyze(request, { userId: 'alice' });
    await assert.rejects(analyzer.analyze(request, { userId: 'alice' }), (error: AppError) => error.status === 429);
    await analyzer.analyze(request, { userId: 'bob' });
  });

  it('re-measures only allowlisted hops of a path, never the ones outside', async () => {
    const calls: string[][] = [];
    const trace = ' 1:  10.0.0.254  0.5ms\n 2:  203.0.113.5  9.0ms\n 3:  10.0.0.9  20.0ms reached\n     Resume: pmtu 1500 hops 3 back 3\n';
    const runner: CommandRunner = async (binary, args) => {
      calls.push([binary, ...args]);
      const stdout =
        binary === 'tracepath'
          ? trace
          : binary === 'ip'
            ? '[]'
            : args
                .filter((arg) => arg.startsWith('10.'))
                .map((address) => `${address} : 1.0 1.1 1.2 1.3 1.4`)
                .join('\n');
      const ping =
        binary === 'ping' ? `64 bytes from ${args.at(-1)}: icmp_seq=1 ttl=64 time=1.0 ms\n1 packets transmitted, 1 received\n` : '';
      return { exitCode: 0, stdout: stdout + ping, stderr: '', timedOut: false, durationMs: 1 };
    };
    const analyzer = new NetworkAnalyzer({
      settings: networkSettings({ NET_ALLOWED_TARGETS: '10.0.0.0/8' }),
      runner,
      metrics: networkMetrics(new Registry()),
    });
    const report = await analyzer.analyze(analysisRequestSchema.parse({ targets: ['10.0.0.9'], checks: ['path'] }), { userId: 'tester' });
    const probed = calls
      .filter(([binary]) => binary === 'fping' || binary === 'ping')
      .flatMap((call) => call.filter((arg) => /^\d+\.\d+\.\d+\.\d+$/.test(arg)));
    assert.deepEqual([...new Set(probed)].sort(), ['10.0.0.254', '10.0.0.9']);
    const hops = report.measurements[0]!.path!.hops;
    assert.equal(hops[1]!.address, '203.0.113.5');
    assert.equal(hops[1]!.latencyMs, 9, 'the outside hop keeps the single tracepath sample');
  });

  it('refuses unsafe argv before any process starts', () => {
    assert.throws(() => assertSafeArguments(['-c', '1', '10.0.0.1;reboot']), /unsafe argument/);
    assert.throws(() => assertSafeArguments(['$(id)']), /unsafe argument/);
    assert.doesNotThrow(() => assertSafeArguments(['-n', '-c', '5', '-i', '0.200', '10.0.0.1']));
  });

  it('rejects a malformed allowlist at start-up', () => {
    assert.throws(() => new NetworkAnalyzer({ settings: networkSettings({ NET_ALLOWED_TARGETS: '10.0.0.0/33' }) }), /NET_ALLOWED_TARGETS/);
    assert.throws(() => new NetworkAnalyzer({ settings: networkSettings({ NET_ALLOWED_TARGETS: 'a;b' }) }), /NET_ALLOWED_TARGETS/);
  });
});
