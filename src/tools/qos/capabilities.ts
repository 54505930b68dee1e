/**
 * What the running kernel can do: which qdiscs, classifiers and actions load. Probed once
 * (in a throwaway namespace with a veth pair, so no real interface is touched) and cached;
 * the compiler reads it to pick documented fallbacks or refuse with a reason.
 */
import { randomBytes } from 'node:crypto';
import type { CommandRunner } from './tc-runner.js';
import { createCommandRunner } from './tc-runner.js';

/** What the kernel offers. */
export interface KernelCapabilities {
  qdiscs: Record<string, boolean>;
  classifiers: Record<string, boolean>;
  actions: Record<string, boolean>;
  ifb: boolean;
  /** `probe` when measured; `assumed` when probing was impossible (not root, no netns). */
  source: 'probe' | 'assumed';
  detail?: string;
}

const QDISC_PROBES: Record<string, string[]> = {
  htb: ['htb'],
  hfsc: ['hfsc', 'default', '1'],
  drr: ['drr'],
  prio: ['prio'],
  tbf: ['tbf', 'rate', '1mbit', 'burst', '10k', 'latency', '50ms'],
  pfifo: ['pfifo'],
  fq_codel: ['fq_codel'],
  sfq: ['sfq'],
  cake: ['cake'],
  netem: ['netem'],
};

const CLASSIFIER_PROBES: Record<string, string[]> = {
  u32: ['u32', 'match', 'u32', '0', '0', 'flowid', '1:1'],
  flower: ['flower', 'classid', '1:1'],
  fw: ['handle', '1', 'fw', 'classid', '1:1'],
  bpf: ['bpf', 'bytecode', '1,6 0 0 0', 'classid', '1:1'],
  basic: ['basic', 'classid', '1:1'],
  matchall: ['matchall', 'classid', '1:1'],
};

const ACTION_PROBES: Record<string, string[]> = {
  police: ['u32', 'match', 'u32', '0', '0', 'flowid', '1:1', 'action', 'police', 'rate', '1mbit', 'burst', '10k', 'drop'],
  mirred: ['u32', 'match', 'u32', '0', '0', 'flowid', '1:1', 'action', 'mirred', 'egress', 'redirect', 'dev', 'vqprobeb'],
};

/** The minimal set every Linux with HTB has; used when the probe cannot run. */
export function assumedCapabilities(detail: string): KernelCapabilities {
  return {
    qdiscs: { htb: true, pfifo: true },
    classifiers: { u32: true },
    actions: {},
    ifb: false,
    source: 'assumed',
    detail,
  };
}

async function succeeds(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch {
    return false;
  }
}

/** Probes the kernel in a fresh namespace named vq + random suffix, removed afterwards. */
export async function probeKernelCapabilities(host: CommandRunner = createCommandRunner()): Promise<KernelCapabilities> {
  const namespace = `vqcap${randomBytes(4).toString('hex')}`;
  try {
    await host.run('ip', ['netns', 'add', namespace]);
  } catch (error) {
    return assumedCapabilities(
      `cannot create a probe namespace (${(error as Error).message.split('\n')[0]}); assuming HTB, pfifo and u32 only`,
    );
  }
  const inside = createCommandRunner({ namespace });
  try {
    await inside.run('ip', ['link', 'add', 'vqprobea', 'type', 'veth', 'peer', 'name', 'vqprobeb']);
    const qdiscs: Record<string, boolean> = {};
    for (const [kind, args] of Object.entries(QDISC_PROBES)) {
      qdiscs[kind] = await succeeds(() => inside.run('tc', ['qdisc', 'add', 'dev', 'vqprobea', 'root', 'handle', '1:', ...args]));
      await succeeds(() => inside.run('tc', ['qdisc', 'del', 'dev', 'vqprobea', 'root']));
    }
    await inside.run('tc', ['qdisc', 'add', 'dev', 'vqprobea', 'root', 'handle', '1:', 'htb']);
    await inside.run('tc', ['class', 'add', 'dev', 'vqprobea', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1mbit']);
    const classifiers: Record<string, boolean> = {};
    let preference = 1;
    for (const [kind, args] of Object.entries(CLASSIFIER_PROBES)) {
      classifiers[kind] = await succeeds(() =>
        inside.run('tc', ['filter', 'add', 'dev', 'vqprobea', 'parent', '1:', 'protocol', 'ip', 'prio', String(preference++), ...args]),
      );
    }
    const actions: Record<string, boolean> = {};
    for (const [kind, args] of Object.entries(ACTION_PROBES)) {
      actions[kind] = await succeeds(() =>
        inside.run('tc', ['filter', 'add', 'dev', 'vqprobea', 'parent', '1:', 'protocol', 'ip', 'prio', String(preference++), ...args]),
      );
    }
    const ifb = await succeeds(() => inside.run('ip', ['link', 'add', 'vqprobeifb', 'type', 'ifb']));
    return { qdiscs, classifiers, actions, ifb, source: 'probe' };
  } catch (error) {
    return assumedCapabilities(`probe failed (${(error as Error).message.split('\n')[0]}); assuming HTB, pfifo and u32 only`);
  } finally {
    await succeeds(() => host.run('ip', ['netns', 'del', namespace]));
  }
}
