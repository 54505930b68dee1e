/**
 * Test network built from namespaces (all named `vn…`, all addresses inside one random
 * 198.18.X.0/24), so the network tests and the benchmark probe real links and never send
 * a packet anywhere but into these namespaces:
 *
 *   root ──veth── r1 ──TUN relay (delay ± jitter, MTU)── r2 ──veth── h (loss rule, services)
 *                  └──veth── s (traffic sink)
 *
 * This kernel has no netem: delay and jitter come from tun-link-emulator.py, a userspace
 * relay that holds each packet for the configured time; loss from an nftables rule in h.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EMULATOR = path.join(import.meta.dirname, 'tun-link-emulator.py');

/** Why the network tests cannot run here, or null when they can. */
export async function labUnavailableReason(): Promise<string | null> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const probe = `vn${randomBytes(3).toString('hex')}`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
  } catch (error) {
    return `ip netns failed: ${(error as Error).message.split('\n')[0]}`;
  }
  for (const binary of ['/usr/bin/ping', '/usr/bin/tracepath', '/usr/bin/python3', '/usr/sbin/nft']) {
    try {
      await run('test', ['-x', binary]);
    } catch {
      return `${binary} is missing (see .ci/provision.sh)`;
    }
  }
  return null;
}

/** Runs a command, throwing with its stderr on failure. */
export async function sh(file: string, args: string[]): Promise<string> {
  try {
    return (await run(file, args, { timeout: 20_000 })).stdout;
  } catch (error) {
    const failure = error as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')}: ${failure.stderr?.trim() || failure.message}`);
  }
}

/** Picks a 198.18.X.0/24 nobody routes yet (X in 32..231). */
export async function freeSubnet(): Promise<number> {
  const used = await sh('ip', ['-4', 'route', 'show']);
  const addresses = await sh('ip', ['-4', '-o', 'addr', 'show']);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const octet = 32 + Math.floor(Math.random() * 200);
    if (!used.includes(`198.18.${octet}.`) && !addresses.includes(`198.18.${octet}.`)) return octet;
  }
  throw new Error('no free 198.18.X.0/24');
}

/** Options of the chain topology. */
export interface LabOptions {
  /** One-way delay the relay adds in each direction (RTT across it is twice this). */
  oneWayDelayMs: number;
  jitterMs: number;
  /** Share of ICMP echo requests h drops: exactly 1 in `dropOneIn` (nftables numgen inc, deterministic). */
  dropOneIn?: number;
  tunMtu?: number;
}

/** A built lab; `close()` removes everything even after a failure. */
export class NetworkLab {
  readonly prefix = `vn${randomBytes(2).toString('hex')}`;
  tempDir = '';
  private readonly processes: ChildProcess[] = [];
  private readonly namespaces: string[] = [];
  private readonly rootLinks: string[] = [];
  subnet = 0;

  /** Namespace name for a role (r1, r2, h, s). */
  ns(role: string): string {
    return `${this.prefix}${role}`;
  }

  /** Address 198.18.<subnet>.<host>. */
  address(host: number): string {
    return `198.18.${this.subnet}.${host}`;
  }

  /** Runs `ip` inside a namespace. */
  ipIn(namespace: string, args: string[]): Promise<string> {
    return sh('ip', ['-n', namespace, ...args]);
  }

  /** Starts a long-running process inside a namespace, killed by close(). */
  spawnIn(namespace: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', namespace, file, ...args], { stdio: ['ignore', 'ignore', 'ignore'], env });
    this.processes.push(child);
    return child;
  }

  private async addNamespace(role: string): Promise<string> {
    const name = this.ns(role);
    await sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ipIn(name, ['link', 'set', 'lo', 'up']);
    for (const setting of [
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
      'net.ipv4.icmp_ratelimit=0',
      'net.ipv4.ip_forward=1',
    ]) {
      await sh('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', setting]);
    }
    return name;
  }

  private async veth(
    left: string,
    leftNs: string | null,
    right: string,
    rightNs: string,
    leftAddress: string,
    rightAddress: string,
  ): Promise<void> {
    await sh('ip', ['link', 'add', left, 'type', 'veth', 'peer', 'name', right, 'netns', rightNs]);
    if (leftNs) await sh('ip', ['link', 'set', left, 'netns', leftNs]);
    else {
      this.rootLinks.push(left);
      await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${left}.disable_ipv6=1`]);
    }
    const leftIp = (args: string[]) => (leftNs ? this.ipIn(leftNs, args) : sh('ip', args));
    await leftIp(['addr', 'add', `${leftAddress}/30`, 'dev', left]);
    await leftIp(['link', 'set', left, 'up']);
    await this.ipIn(rightNs, ['addr', 'add', `${rightAddress}/30`, 'dev', right]);
    await this.ipIn(rightNs, ['link', 'set', right, 'up']);
  }

  /** Builds the chain; call close() in an after hook whatever happens. */
  async build(options: LabOptions): Promise<this> {
    this.tempDir = mkdtempSync(path.join(tmpdir(), 'vigie-netlab-'));
    this.subnet = await freeSubnet();
    const p = this.prefix;
    const [r1, r2, h, s] = [
      await this.addNamespace('r1'),
      await this.addNamespace('r2'),
      await this.addNamespace('h'),
      await this.addNamespace('s'),
    ];
    await this.veth(`${p}h0`, null, `${p}a`, r1, this.address(1), this.address(2));
    await this.veth(`${p}b`, r2, `${p}c`, h, this.address(9), this.address(10));
    await this.veth(`${p}d`, r1, `${p}e`, s, this.address(13), this.address(14));
    // The delayed link: two persistent TUN devices joined by the relay, then moved into r1 and r2.
    for (const tun of [`${p}t1`, `${p}t2`]) {
      await sh('ip', ['tuntap', 'add', 'dev', tun, 'mode', 'tun']);
      this.rootLinks.push(tun);
    }
    // Raised priority (root only) so a loaded machine delays the relay as little as possible.
    const relay = spawn(
      'nice',
      ['-n', '-10', '/usr/bin/python3', EMULATOR, `${p}t1`, `${p}t2`, String(options.oneWayDelayMs), String(options.jitterMs)],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.processes.push(relay);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('link emulator did not start')), 10_000);
      relay.stdout!.once('data', () => (clearTimeout(timer), resolve()));
      relay.once('exit', (code) => (clearTimeout(timer), reject(new Error(`link emulator exited with ${code}`))));
    });
    await sh('ip', ['link', 'set', `${p}t1`, 'netns', r1]);
    await sh('ip', ['link', 'set', `${p}t2`, 'netns', r2]);
    const mtu = String(options.tunMtu ?? 1500);
    await this.ipIn(r1, ['addr', 'add', this.address(5), 'peer', this.address(6), 'dev', `${p}t1`]);
    await this.ipIn(r1, ['link', 'set', `${p}t1`, 'mtu', mtu, 'up']);
    await this.ipIn(r2, ['addr', 'add', this.address(6), 'peer', this.address(5), 'dev', `${p}t2`]);
    await this.ipIn(r2, ['link', 'set', `${p}t2`, 'mtu', mtu, 'up']);
    await sh('ip', ['route', 'add', `198.18.${this.subnet}.0/24`, 'via', this.address(2)]);
    await this.ipIn(r1, ['route', 'add', 'default', 'via', this.address(1)]);
    await this.ipIn(r1, ['route', 'add', `${this.address(8)}/30`, 'via', this.address(6)]);
    await this.ipIn(r2, ['route', 'add', 'default', 'via', this.address(5)]);
    await this.ipIn(h, ['route', 'add', 'default', 'via', this.address(9)]);
    await this.ipIn(s, ['route', 'add', 'default', 'via', this.address(13)]);
    if (options.dropOneIn) {
      const rules = path.join(this.tempDir, 'loss.nft');
      writeFileSync(
        rules,
        `table ip vnloss {\n chain input {\n  type filter hook input priority 0; policy accept;\n  icmp type echo-request numgen inc mod ${options.dropOneIn} == 0 drop\n  tcp dport 8024 drop\n }\n}\n`,
      );
      await sh('ip', ['netns', 'exec', h, 'nft', '-f', rules]);
    }
    return this;
  }

  /** Kills the lab's processes and deletes its namespaces and root links. */
  async close(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null) child.kill('SIGKILL');
    if (this.subnet) await sh('ip', ['route', 'del', `198.18.${this.subnet}.0/24`]).catch(() => undefined);
    for (const name of this.namespaces) await sh('ip', ['netns', 'del', name]).catch(() => undefined);
    for (const link of this.rootLinks) await sh('ip', ['link', 'del', link]).catch(() => undefined);
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}
