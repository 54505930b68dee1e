/**
 * `npm run bench:net`: a 254-host sweep (ICMP reachability + 3 TCP ports per host) through
 * the network engine, against the same system commands run one after another from a shell
 * loop in the same run; and SNMP poll time of a device with 50 interfaces (IF-MIB
 * ifTable + ifXTable), against sequential snmpbulkwalk calls. Everything runs inside `vn…`
 * namespaces addressed in 198.18.X.0/24 behind a userspace link emulator adding 5 ms each
 * way (RTT 10 ms), so nothing leaves this machine. Prints one JSON line. Needs root.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { NetworkAnalyzer } from '../src/tools/network/network-analyzer.js';
import { networkMetrics } from '../src/tools/network/network-metrics.js';
import { analysisRequestSchema } from '../src/tools/network/network-schemas.js';
import { networkSettings } from '../src/tools/network/network-settings.js';
import { pollDevice } from '../src/tools/network/snmp-poller.js';
import { freeSubnet, labUnavailableReason, sh } from '../test/network/support/lab-network.js';
import { waitForPort } from '../test/network/support/lab-services.js';

const exec = promisify(execFile);
const prefix = `vn${randomBytes(2).toString('hex')}`;
const namespace = `${prefix}bn`;
const tempDir = mkdtempSync(path.join(tmpdir(), 'vigie-netbench-'));
const processes: ChildProcess[] = [];
let linkOctet = 0;
let sweptOctet = 0;
const link = (host: number) => `198.18.${linkOctet}.${host}`;
const sweptPrefix = () => `198.18.${sweptOctet}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function build(): Promise<void> {
  linkOctet = await freeSubnet();
  do sweptOctet = await freeSubnet();
  while (sweptOctet === linkOctet);
  const swept = sweptPrefix();
  await sh('ip', ['netns', 'add', namespace]);
  const inside = (args: string[]) => sh('ip', ['-n', namespace, ...args]);
  await inside(['link', 'set', 'lo', 'up']);
  await sh('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
  // Swept /24 answered by the namespace itself (AnyIP), reached through the delayed TUN link.
  for (const tun of [`${prefix}ta`, `${prefix}tb`]) await sh('ip', ['tuntap', 'add', 'dev', tun, 'mode', 'tun']);
  const relay = spawn(
    '/usr/bin/python3',
    [path.join(import.meta.dirname, '../test/network/support/tun-link-emulator.py'), `${prefix}ta`, `${prefix}tb`, '5', '0.5'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  processes.push(relay);
  await new Promise((resolve) => relay.stdout!.once('data', resolve));
  await sh('ip', ['link', 'set', `${prefix}tb`, 'netns', namespace]);
  await sh('ip', ['addr', 'add', link(1), 'peer', link(2), 'dev', `${prefix}ta`]);
  await sh('ip', ['link', 'set', `${prefix}ta`, 'up']);
  await inside(['addr', 'add', link(2), 'peer', link(1), 'dev', `${prefix}tb`]);
  await inside(['link', 'set', `${prefix}tb`, 'up']);
  await inside(['route', 'add', 'local', `${swept}.0/24`, 'dev', 'lo']);
  await sh('ip', ['route', 'add', `${swept}.0/24`, 'via', link(2)]);
  // A direct veth for SNMP, and 25 veth pairs inside the namespace: 50 interfaces to poll.
  await sh('ip', ['link', 'add', `${prefix}sa`, 'type', 'veth', 'peer', 'name', `${prefix}sb`, 'netns', namespace]);
  await sh('ip', ['addr', 'add', `${link(5)}/30`, 'dev', `${prefix}sa`]);
  await sh('ip', ['link', 'set', `${prefix}sa`, 'up']);
  await inside(['addr', 'add', `${link(6)}/30`, 'dev', `${prefix}sb`]);
  await inside(['link', 'set', `${prefix}sb`, 'up']);
  for (let pair = 0; pair < 25; pair += 1)
    await inside(['link', 'add', `${prefix}x${pair}`, 'type', 'veth', 'peer', 'name', `${prefix}y${pair}`]);
  const responder = `const net=require('node:net');for(const port of [22,80])net.createServer((s)=>s.end()).listen(port,'0.0.0.0');`;
  processes.push(spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', responder], { stdio: 'ignore' }));
  writeFileSync(path.join(tempDir, 'snmpd.conf'), `agentAddress udp:${link(6)}:161\nrocommunity vigiebench\n`);
  processes.push(
    spawn(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        '/usr/sbin/snmpd',
        '-f',
        '-Lo',
        '-C',
        '-c',
        path.join(tempDir, 'snmpd.conf'),
        '-p',
        path.join(tempDir, 'snmpd.pid'),
      ],
      { stdio: 'ignore', env: { ...process.env, SNMP_PERSISTENT_DIR: tempDir, MIBS: '' } },
    ),
  );
  await waitForPort(`${swept}.1`, 80);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (
      await exec('snmpget', ['-v2c', '-c', 'vigiebench', '-t', '0.5', '-r', '0', link(6), '1.3.6.1.2.1.1.3.0']).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('snmpd did not answer');
}

async function cleanUp(): Promise<void> {
  for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
  if (sweptOctet) await sh('ip', ['route', 'del', `${sweptPrefix()}.0/24`]).catch(() => undefined);
  await sh('ip', ['netns', 'del', namespace]).catch(() => undefined);
  for (const device of [`${prefix}ta`, `${prefix}tb`, `${prefix}sa`]) await sh('ip', ['link', 'del', device]).catch(() => undefined);
  rmSync(tempDir, { recursive: true, force: true });
}

const SHELL_LOOP = `for i in $(seq 1 254); do
  ping -n -c 1 -W 1 "$1.$i" >/dev/null 2>&1
  for port in 22 80 443; do timeout 1 bash -c "exec 3<>/dev/tcp/$1.$i/$port" >/dev/null 2>&1; done
done
exit 0`;

const SNMP_COLUMNS = [
  '1.3.6.1.2.1.2.2.1.2',
  '1.3.6.1.2.1.2.2.1.5',
  '1.3.6.1.2.1.2.2.1.8',
  '1.3.6.1.2.1.2.2.1.10',
  '1.3.6.1.2.1.2.2.1.11',
  '1.3.6.1.2.1.2.2.1.13',
  '1.3.6.1.2.1.2.2.1.14',
  '1.3.6.1.2.1.2.2.1.16',
  '1.3.6.1.2.1.2.2.1.17',
  '1.3.6.1.2.1.2.2.1.19',
  '1.3.6.1.2.1.2.2.1.20',
  '1.3.6.1.2.1.31.1.1.1.1',
  '1.3.6.1.2.1.31.1.1.1.6',
  '1.3.6.1.2.1.31.1.1.1.10',
  '1.3.6.1.2.1.31.1.1.1.15',
  '1.3.6.1.2.1.31.1.1.1.18',
];
const SNMP_LOOP = `for oid in ${SNMP_COLUMNS.join(' ')}; do snmpbulkwalk -v2c -c vigiebench -Cr50 "$1" "$oid" >/dev/null; done`;

async function main(): Promise<void> {
  const unavailable = await labUnavailableReason();
  if (unavailable) {
    console.log(JSON.stringify({ suite: 'net', skipped: unavailable }));
    return;
  }
  try {
    await build();
    const swept = sweptPrefix();
    const settings = networkSettings({ NET_ALLOWED_TARGETS: '198.18.0.0/15', NET_RATE_LIMIT_PER_MINUTE: '1000' });
    const analyzer = new NetworkAnalyzer({ settings, metrics: networkMetrics(new Registry()) });
    const request = analysisRequestSchema.parse({
      targets: Array.from({ length: 254 }, (_, index) => `${swept}.${index + 1}`),
      checks: ['ping', 'tcp'],
      options: { ports: [22, 80, 443], count: 1, timeoutMs: 1000 },
    });
    const sweeps: Array<{ wallMs: number; peak: number; up: number; open: number }> = [];
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const report = await analyzer.analyze(request, { userId: 'bench' });
      sweeps.push({
        wallMs: performance.now() - started,
        peak: report.peakConcurrency,
        up: report.measurements.filter((measurement) => measurement.ping?.received === 1).length,
        open: report.measurements.reduce(
          (total, measurement) => total + (measurement.tcp ?? []).filter((port) => port.state === 'open').length,
          0,
        ),
      });
    }
    const loopStarted = performance.now();
    await exec('bash', ['-c', SHELL_LOOP, 'bash', swept], { timeout: 110_000 });
    const loopMs = performance.now() - loopStarted;

    const target = { address: link(6), version: '2c' as const, community: 'vigiebench' };
    const polls: number[] = [];
    let interfaces = 0;
    for (let run = 0; run < 5; run += 1) {
      const poll = await pollDevice(target, 3000);
      if (poll.error) throw new Error(poll.error);
      interfaces = poll.interfaces.length;
      polls.push(poll.durationMs);
    }
    const walks: number[] = [];
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      await exec('bash', ['-c', SNMP_LOOP, 'bash', link(6)], { timeout: 60_000 });
      walks.push(performance.now() - started);
    }
    const sweepMs = median(sweeps.map((sweep) => sweep.wallMs));
    const checks = 254 * 4;
    console.log(
      JSON.stringify({
        suite: 'net',
        emulatedRttMs: 10,
        sweep: {
          hosts: 254,
          checks,
          wallMsMedian: Math.round(sweepMs),
          checksPerSecond: Math.round(checks / (sweepMs / 1000)),
          peakConcurrency: Math.max(...sweeps.map((sweep) => sweep.peak)),
          concurrencyBound: settings.maxConcurrency,
          hostsUp: sweeps[0]!.up,
          openPorts: sweeps[0]!.open,
          runs: sweeps.length,
        },
        sweepBaseline: {
          method: 'sequential shell loop: ping -c1 + bash /dev/tcp per port',
          wallMs: Math.round(loopMs),
          checksPerSecond: Math.round(checks / (loopMs / 1000)),
        },
        sweepRatio: Math.round((loopMs / sweepMs) * 10) / 10,
        sweepFloorMet: loopMs / sweepMs >= 10,
        snmp: {
          interfaces,
          pollMsMedian: median(polls),
          baselineMsMedian: Math.round(median(walks)),
          baseline: `sequential snmpbulkwalk of ${SNMP_COLUMNS.length} columns`,
          ratio: Math.round((median(walks) / Math.max(1, median(polls))) * 10) / 10,
        },
      }),
    );
  } finally {
    await cleanUp();
  }
}

await main();
