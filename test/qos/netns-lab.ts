/**
 * A two-namespace lab for QoS tests: namespaces and veth devices named vq + random suffix,
 * addresses only in 198.19.0.0/16, traffic never leaves them. Skips cleanly without root.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** A sender namespace (where shaping happens) and a receiver, joined by a veth pair. */
export interface NetnsLab {
  sender: string;
  receiver: string;
  senderDevice: string;
  receiverDevice: string;
  senderAddress: string;
  receiverAddress: string;
  close(): void;
}

/** Why the lab cannot run here, or null when it can. */
export function labUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'QoS namespace tests need root (network namespaces and tc)';
  try {
    execFileSync('tc', ['-V'], { stdio: 'ignore' });
    const probe = `vqp${randomBytes(3).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    return null;
  } catch {
    return 'QoS namespace tests need iproute2 and permission to create network namespaces';
  }
}

/** True when iperf3 is installed. */
export function hasIperf3(): boolean {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the lab; `close()` deletes both namespaces (and with them every device inside). */
export function createLab(subnet = Math.floor(Math.random() * 250) + 1): NetnsLab {
  const suffix = randomBytes(3).toString('hex');
  const lab: NetnsLab = {
    sender: `vqs${suffix}`,
    receiver: `vqr${suffix}`,
    senderDevice: `vq${suffix}a`,
    receiverDevice: `vq${suffix}b`,
    senderAddress: `198.19.${subnet}.1`,
    receiverAddress: `198.19.${subnet}.2`,
    close() {
      for (const namespace of [lab.sender, lab.receiver]) {
        try {
          ip('netns', 'del', namespace);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    ip('netns', 'add', lab.sender);
    ip('netns', 'add', lab.receiver);
    ip('-n', lab.sender, 'link', 'add', lab.senderDevice, 'type', 'veth', 'peer', 'name', lab.receiverDevice, 'netns', lab.receiver);
    ip('-n', lab.sender, 'addr', 'add', `${lab.senderAddress}/24`, 'dev', lab.senderDevice);
    ip('-n', lab.receiver, 'addr', 'add', `${lab.receiverAddress}/24`, 'dev', lab.receiverDevice);
    for (const [namespace, device] of [
      [lab.sender, lab.senderDevice],
      [lab.receiver, lab.receiverDevice],
    ] as const) {
      ip('-n', namespace, 'link', 'set', device, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    lab.close();
    throw error;
  }
  return lab;
}
