/**
 * Guardrail: what the network tools may touch. Targets must be a strict dotted-quad IPv4
 * address or a plain host name; every address a name resolves to must fall inside the
 * allowlist, and the checks then use the pinned address (no DNS-rebinding between the
 * check and the probe). Anything else is refused before a single packet or process.
 */
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { NetworkRefusal } from './network-refusal.js';

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)*${LABEL}$`, 'i');
/** Never probed, even when a listed name points there: "this" network, link-local (cloud metadata), multicast, reserved. */
const ALWAYS_DENIED = ['0.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];

interface Cidr {
  base: number;
  mask: number;
  text: string;
}

/** One allowed target, pinned to the address(es) checks will use. */
export interface ResolvedTarget {
  /** What the caller asked for (address or name). */
  target: string;
  /** The address probes go to. */
  address: string;
  /** Every address the name resolved to (one entry for an address). */
  addresses: string[];
  resolveMs: number;
}

/** Turns a dotted quad into a 32-bit unsigned integer. */
export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
}

/** Whether a string is a strict dotted-quad IPv4 address (no octal, hex or short forms). */
export function isStrictIpv4(value: string): boolean {
  return IPV4.test(value) && !value.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'));
}

function parseCidr(text: string): Cidr {
  const [address, bitsText] = text.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!address || !isStrictIpv4(address) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`NET_ALLOWED_TARGETS: "${text}" is not an IPv4 CIDR or host name`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipv4ToNumber(address) & mask) >>> 0, mask, text };
}

function inCidr(address: string, cidr: Cidr): boolean {
  return (ipv4ToNumber(address) & cidr.mask) >>> 0 === cidr.base;
}

/** A name resolver, injectable so tests can simulate DNS answers. */
export type NameResolver = (name: string) => Promise<string[]>;

const systemResolver: NameResolver = async (name) => (await lookup(name, { all: true, family: 4 })).map((entry) => entry.address);

/** Syntax check for one target, shared by every entry point. Throws a NetworkRefusal (validation_error). */
export function assertTargetSyntax(target: string): void {
  if (typeof target !== 'string' || target.length === 0 || target.length > 253) {
    throw new NetworkRefusal(
      'validation_error',
      'A target must be an IPv4 address or a host name of at most 253 characters',
      'target.syntax',
      {},
    );
  }
  if (target.includes(':') || isIPv6(target.replace(/^\[|\]$/g, ''))) {
    throw new NetworkRefusal(
      'validation_error',
      `Target "${target}" looks like an IPv6 address or a host:port; only IPv4 addresses and host names are accepted`,
      'target.ipv6',
      { target },
    );
  }
  if (isStrictIpv4(target)) return;
  const labels = target.split('.');
  const allDigits = labels.every((label) => /^(0x)?[0-9a-f]+$/i.test(label) && /\d/.test(label));
  if (!HOST_NAME.test(target) || /^\d+$/.test(labels[labels.length - 1] ?? '') || allDigits) {
    throw new NetworkRefusal(
      'validation_error',
      `Target "${target.slice(0, 80)}" is not a dotted-quad IPv4 address or a valid host name`,
      'target.invalid',
      { target: target.slice(0, 80) },
    );
  }
}

/** The allowlist (NET_ALLOWED_TARGETS): CIDRs plus host names (`*.lab.example` wildcards allowed). */
export class TargetAllowlist {
  private readonly cidrs: Cidr[] = [];
  private readonly names: string[] = [];
  private readonly denied = ALWAYS_DENIED.map(parseCidr);

  constructor(
    specification: string,
    private readonly resolver: NameResolver = systemResolver,
  ) {
    for (const entry of specification.split(/[\s,]+/).filter(Boolean)) {
      if (/^[\d./]+$/.test(entry)) this.cidrs.push(parseCidr(entry));
      else if (HOST_NAME.test(entry.replace(/^\*\./, ''))) this.names.push(entry.toLowerCase());
      else throw new Error(`NET_ALLOWED_TARGETS: "${entry}" is not an IPv4 CIDR or host name`);
    }
  }

  /** Whether an IPv4 address is inside an allowed CIDR. */
  allowsAddress(address: string): boolean {
    return isStrictIpv4(address) && this.cidrs.some((cidr) => inCidr(address, cidr));
  }

  private listsName(name: string): boolean {
    const lower = name.toLowerCase();
    return this.names.some((entry) => (entry.startsWith('*.') ? lower.endsWith(entry.slice(1)) : lower === entry));
  }

  /** Checks syntax, resolves names, enforces the allowlist; throws a NetworkRefusal (validation_error / forbidden). */
  async resolve(target: string): Promise<ResolvedTarget> {
    assertTargetSyntax(target);
    if (isStrictIpv4(target)) {
      if (!this.allowsAddress(target))
        throw new NetworkRefusal('forbidden', `Target ${target} is outside NET_ALLOWED_TARGETS`, 'target.outside', { target });
      return { target, address: target, addresses: [target], resolveMs: 0 };
    }
    const started = performance.now();
    let addresses: string[];
    try {
      addresses = await this.resolver(target);
    } catch {
      throw new NetworkRefusal('validation_error', `Target "${target}" does not resolve to an IPv4 address`, 'target.unresolved', {
        target,
      });
    }
    const resolveMs = performance.now() - started;
    if (addresses.length === 0)
      throw new NetworkRefusal('validation_error', `Target "${target}" does not resolve to an IPv4 address`, 'target.unresolved', {
        target,
      });
    const listed = this.listsName(target);
    for (const address of addresses) {
      const denied = !isStrictIpv4(address) || this.denied.some((cidr) => inCidr(address, cidr));
      if (denied || (!listed && !this.allowsAddress(address))) {
        throw new NetworkRefusal(
          'forbidden',
          `Target "${target}" resolves to ${address}, outside NET_ALLOWED_TARGETS`,
          'target.resolvesOutside',
          { target, address },
        );
      }
    }
    return { target, address: addresses[0]!, addresses, resolveMs };
  }
}
