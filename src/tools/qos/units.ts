/**
 * Rates and sizes as people write them ("100M", "100 Mbps", "10 Mbit/s", "500kbit",
 * "1,5 Gbit/s") parsed into bits per second, and formatted back the way tc reads them.
 * One parser for the intent text, the REST body and the policy model keeps units honest.
 */

const RATE_PATTERN = /^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Zé/]*)\s*$/u;

const RATE_MULTIPLIERS: Record<string, number> = {
  '': 1,
  bit: 1,
  bits: 1,
  bps: 1,
  'bit/s': 1,
  'b/s': 1,
  k: 1e3,
  kbit: 1e3,
  kbits: 1e3,
  kbps: 1e3,
  'kbit/s': 1e3,
  'kb/s': 1e3,
  kilobit: 1e3,
  kilobits: 1e3,
  m: 1e6,
  mbit: 1e6,
  mbits: 1e6,
  mbps: 1e6,
  'mbit/s': 1e6,
  'mb/s': 1e6,
  mégabit: 1e6,
  mégabits: 1e6,
  megabit: 1e6,
  megabits: 1e6,
  g: 1e9,
  gbit: 1e9,
  gbits: 1e9,
  gbps: 1e9,
  'gbit/s': 1e9,
  'gb/s': 1e9,
  gigabit: 1e9,
  gigabits: 1e9,
};

/** Highest rate we accept anywhere: 400 Gbit/s, above any NIC tc shapes. */
export const MAX_RATE_BITS = 400e9;

/** Why a rate did not parse, worded for the operator. */
export class RateParseError extends Error {
  constructor(text: string, reason: string) {
    super(`Cannot read the rate "${text}": ${reason}`);
    this.name = 'RateParseError';
  }
}

/** True when the unit word is one we know (used by the intent parser to spot rates). */
export function isRateUnit(unit: string): boolean {
  return Object.hasOwn(RATE_MULTIPLIERS, unit.toLowerCase());
}

/**
 * Parses a rate into integer bits per second. Bare numbers are bits per second; a byte unit
 * such as "MB" is refused rather than guessed, because bytes vs bits is a factor of eight.
 */
export function parseRate(text: string): number {
  const match = RATE_PATTERN.exec(text);
  if (!match) throw new RateParseError(text, 'expected a number followed by a unit such as kbit, Mbit, Gbit, Mbps or M');
  const value = Number(match[1]!.replace(',', '.'));
  const rawUnit = match[2]!;
  if (/^[kmgKMG]?B(\/s|ps)?$/.test(rawUnit) || /^[kmg]?(bytes?|o|o\/s|octets?)$/i.test(rawUnit)) {
    throw new RateParseError(text, 'byte units are ambiguous here, write the rate in bits (kbit, Mbit, Gbit)');
  }
  const unit = rawUnit.toLowerCase();
  const multiplier = RATE_MULTIPLIERS[unit];
  if (multiplier === undefined)
    throw new RateParseError(text, `unknown unit "${rawUnit}" (use kbit, Mbit, Gbit, kbps, Mbps, Gbps, Mbit/s or M)`);
  const bits = Math.round(value * multiplier);
  if (!Number.isFinite(bits) || bits < 8_000) throw new RateParseError(text, 'a rate must be at least 8kbit');
  if (bits > MAX_RATE_BITS) throw new RateParseError(text, 'a rate above 400Gbit is not a real link');
  return bits;
}

/** Formats bits per second for tc: the largest exact unit, so tc stores exactly this value. */
export function formatRate(bits: number): string {
  if (bits % 1e9 === 0) return `${bits / 1e9}gbit`;
  if (bits % 1e6 === 0) return `${bits / 1e6}mbit`;
  if (bits % 1e3 === 0) return `${bits / 1e3}kbit`;
  return `${bits}bit`;
}

/** Formats bits per second for people ("12.5 Mbit/s"). */
export function humanRate(bits: number): string {
  if (bits >= 1e9) return `${round(bits / 1e9)} Gbit/s`;
  if (bits >= 1e6) return `${round(bits / 1e6)} Mbit/s`;
  if (bits >= 1e3) return `${round(bits / 1e3)} kbit/s`;
  return `${bits} bit/s`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Reads the rates tc prints ("1Mbit", "999Kbit", "10Gbit", "800bit") back into bits. */
export function parseTcRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)bit$/i.exec(text.trim());
  if (!match) throw new RateParseError(text, 'not a tc rate');
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[match[2]!.toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * scale);
}

/** Reads the sizes tc prints ("1600b", "15Kb", "1Mb") into bytes. */
export function parseTcSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)b$/i.exec(text.trim());
  if (!match) throw new RateParseError(text, 'not a tc size');
  const scale = { '': 1, K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 }[match[2]!.toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * scale);
}
