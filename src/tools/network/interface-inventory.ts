/**
 * Local interfaces, addresses, routes, neighbours and counters from `ip -j` (JSON output),
 * summarised to what an operator reads: state, MTU, addresses and error/drop counters.
 */
import type { CommandRunner } from './command-runner.js';

/** One interface with its counters. */
export interface InterfaceSummary {
  name: string;
  state: string;
  mtu: number;
  mac?: string;
  addresses: string[];
  stats?: {
    rxBytes: number;
    txBytes: number;
    rxPackets: number;
    txPackets: number;
    rxErrors: number;
    txErrors: number;
    rxDropped: number;
    txDropped: number;
  };
}

/** The host's network inventory. */
export interface InterfaceInventory {
  interfaces: InterfaceSummary[];
  routes: Array<{ dst: string; gateway?: string; dev?: string; prefsrc?: string }>;
  neighbours: Array<{ dst: string; dev?: string; lladdr?: string; state: string[] }>;
}

interface IpLink {
  ifname: string;
  operstate?: string;
  mtu?: number;
  address?: string;
  stats64?: { rx?: Record<string, number>; tx?: Record<string, number> };
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

async function ipJson<T>(runner: CommandRunner, args: string[], signal?: AbortSignal): Promise<T> {
  const output = await runner('ip', ['-j', ...args], { timeoutMs: 5_000, signal });
  if (output.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed: ${output.stderr.trim()}`);
  return JSON.parse(output.stdout || '[]') as T;
}

/** Reads links (with statistics), addresses, routes and neighbours. */
export async function readInterfaceInventory(runner: CommandRunner, signal?: AbortSignal): Promise<InterfaceInventory> {
  const [links, addresses, routes, neighbours] = await Promise.all([
    ipJson<IpLink[]>(runner, ['-s', 'link', 'show'], signal),
    ipJson<IpLink[]>(runner, ['address', 'show'], signal),
    ipJson<InterfaceInventory['routes']>(runner, ['route', 'show'], signal),
    ipJson<Array<{ dst: string; dev?: string; lladdr?: string; state?: string[] }>>(runner, ['neighbour', 'show'], signal),
  ]);
  const addressesByName = new Map(
    addresses.map((link) => [link.ifname, (link.addr_info ?? []).map((entry) => `${entry.local}/${entry.prefixlen}`)]),
  );
  return {
    interfaces: links.map((link) => {
      const rx = link.stats64?.rx ?? {};
      const tx = link.stats64?.tx ?? {};
      return {
        name: link.ifname,
        state: link.operstate ?? 'UNKNOWN',
        mtu: link.mtu ?? 0,
        ...(link.address ? { mac: link.address } : {}),
        addresses: addressesByName.get(link.ifname) ?? [],
        ...(link.stats64
          ? {
              stats: {
                rxBytes: rx.bytes ?? 0,
                txBytes: tx.bytes ?? 0,
                rxPackets: rx.packets ?? 0,
                txPackets: tx.packets ?? 0,
                rxErrors: rx.errors ?? 0,
                txErrors: tx.errors ?? 0,
                rxDropped: rx.dropped ?? 0,
                txDropped: tx.dropped ?? 0,
              },
            }
          : {}),
      };
    }),
    routes: routes.map(({ dst, gateway, dev, prefsrc }) => ({
      dst,
      ...(gateway ? { gateway } : {}),
      ...(dev ? { dev } : {}),
      ...(prefsrc ? { prefsrc } : {}),
    })),
    neighbours: neighbours.map(({ dst, dev, lladdr, state }) => ({
      dst,
      ...(dev ? { dev } : {}),
      ...(lladdr ? { lladdr } : {}),
      state: state ?? [],
    })),
  };
}
