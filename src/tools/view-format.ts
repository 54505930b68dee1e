/**
 * Small formatting helpers shared by the tools' view builders (`<x>-views.ts`), so bytes,
 * rates, durations and ratios read the same in every view.
 */
import type { ResultView, Tone, ViewBlock } from '../contracts/result-view.js';
import { clampView } from '../contracts/result-view.js';

const round = (value: number, digits = 1) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** 1234567 → "1.2 MB" (decimal units, as network and disk people read them). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${bytes < 0 ? '-' : ''}${unit === 0 ? value : round(value)} ${units[unit]}`;
}

/** 20000000 → "20 Mbit/s". */
export function formatBitRate(bits: number | null | undefined): string {
  if (bits === null || bits === undefined || !Number.isFinite(bits)) return '—';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let value = Math.abs(bits);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${round(value, 2)} ${units[unit]}`;
}

/** 12.345 → "12.3 ms"; null → "—". */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${round(ms)} ms`;
}

/** 0.1234 → "12.3 %". */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${round(ratio * 100, digits)} %`;
}

/** 2.5 → "2.5×". */
export function formatRatio(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${round(ratio, 2)}×`;
}

/** Maps a finding severity (network, SNMP) to a tone. */
export function severityTone(severity: string | undefined): Tone {
  if (severity === 'critical') return 'critical';
  if (severity === 'warning') return 'warning';
  if (severity === 'ok') return 'ok';
  return 'info';
}

/** A record, or null when the value is not a plain object. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** An array, or [] when the value is not one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A number, or null. */
export function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A string (numbers and booleans written out), or ''. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** Assembles and bounds a view. */
export function view(kind: string, headline: string, tone: Tone, blocks: Array<ViewBlock | null | undefined | false>): ResultView {
  return clampView({ kind, headline, tone, blocks: blocks.filter((block): block is ViewBlock => Boolean(block)) });
}
