/**
 * Rates between two polls of the same device: throughput, utilisation against the
 * interface speed, error and discard rates. Handles 32-bit counter wraps and resets.
 */
import type { DevicePoll, InterfaceSample } from './snmp-poller.js';

/** Per-interface rates over one interval. */
export interface InterfaceRates {
  index: number;
  name: string;
  intervalSeconds: number;
  inBitsPerSecond: number;
  outBitsPerSecond: number;
  /** max(in, out) / speed, 0..1 (null when the speed is unknown). */
  utilisation: number | null;
  inErrorsPerSecond: number;
  outErrorsPerSecond: number;
  inDiscardsPerSecond: number;
  outDiscardsPerSecond: number;
  /** Errors per received+sent unicast packet in the interval. */
  errorRatio: number;
  counterReset: boolean;
}

const WRAP32 = 2n ** 32n;

function delta(before: bigint, after: bigint, highCapacity: boolean): { value: bigint; reset: boolean } {
  if (after >= before) return { value: after - before, reset: false };
  if (!highCapacity && before < WRAP32) return { value: after + WRAP32 - before, reset: false };
  return { value: after, reset: true };
}

function smallDelta(before: number, after: number): number {
  return after >= before ? after - before : after + Number(WRAP32) - before;
}

/** Computes rates from two samples of one interface. */
export function interfaceRates(before: InterfaceSample, after: InterfaceSample, intervalSeconds: number): InterfaceRates {
  const seconds = Math.max(intervalSeconds, 0.001);
  const inOctets = delta(before.inOctets, after.inOctets, after.highCapacity);
  const outOctets = delta(before.outOctets, after.outOctets, after.highCapacity);
  const inBitsPerSecond = (Number(inOctets.value) * 8) / seconds;
  const outBitsPerSecond = (Number(outOctets.value) * 8) / seconds;
  const errors = smallDelta(before.inErrors, after.inErrors) + smallDelta(before.outErrors, after.outErrors);
  const packets =
    smallDelta(before.inUnicastPackets, after.inUnicastPackets) + smallDelta(before.outUnicastPackets, after.outUnicastPackets);
  return {
    index: after.index,
    name: after.name,
    intervalSeconds: seconds,
    inBitsPerSecond,
    outBitsPerSecond,
    utilisation: after.speedBitsPerSecond > 0 ? Math.max(inBitsPerSecond, outBitsPerSecond) / after.speedBitsPerSecond : null,
    inErrorsPerSecond: smallDelta(before.inErrors, after.inErrors) / seconds,
    outErrorsPerSecond: smallDelta(before.outErrors, after.outErrors) / seconds,
    inDiscardsPerSecond: smallDelta(before.inDiscards, after.inDiscards) / seconds,
    outDiscardsPerSecond: smallDelta(before.outDiscards, after.outDiscards) / seconds,
    errorRatio: packets + errors > 0 ? errors / (packets + errors) : 0,
    counterReset: inOctets.reset || outOctets.reset,
  };
}

/** Rates for every interface present in both polls of a device. */
export function deviceRates(before: DevicePoll, after: DevicePoll): InterfaceRates[] {
  const previous = new Map(before.interfaces.map((sample) => [sample.index, sample]));
  const seconds = (after.takenAt - before.takenAt) / 1000;
  return after.interfaces.flatMap((sample) => {
    const earlier = previous.get(sample.index);
    return earlier ? [interfaceRates(earlier, sample, seconds)] : [];
  });
}
