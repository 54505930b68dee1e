/**
 * Small formatting helpers shared by the tools' view builders (`<x>-views.ts`), so bytes,
 * rates, durations and ratios read the same in every view. Numbers go through Intl in the
 * view's locale (a `Translator`: `1 234,5` in French); English when none is given.
 */
import type { ResultView, Tone, ViewBlock } from '../contracts/result-view.js';
import { clampView } from '../contracts/result-view.js';
import { createTranslator, DEFAULT_LOCALE, type Translator } from '../contracts/i18n.js';

const round = (value: number, digits = 1) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** The English translator: builders called without one (tests, old callers) read as before. */
export function english(): Translator {
  return createTranslator(DEFAULT_LOCALE);
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** 1234567 → "1.2 MB" ("1,2 Mo" in French): decimal units, as network and disk people read them. */
export function formatBytes(bytes: number | null | undefined, i18n: Translator = english()): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const number = i18n.number(unit === 0 ? value : round(value), { maximumFractionDigits: unit === 0 ? 20 : 1 });
  return `${bytes < 0 ? '-' : ''}${number} ${i18n.t(`view.units.${BYTE_UNITS[unit]}`)}`;
}

/** 20000000 → "20 Mbit/s" (unit symbols are the same in English and French). */
export function formatBitRate(bits: number | null | undefined, i18n: Translator = english()): string {
  if (bits === null || bits === undefined || !Number.isFinite(bits)) return '—';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let value = Math.abs(bits);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${i18n.number(round(value, 2), { maximumFractionDigits: 2 })} ${units[unit]}`;
}

/** 12.345 → "12.3 ms" ("12,3 ms"); null → "—". */
export function formatMs(ms: number | null | undefined, i18n: Translator = english()): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${i18n.number(round(ms), { maximumFractionDigits: 1 })} ms`;
}

/** 0.1234 → "12.3 %" ("12,3 %"). */
export function formatPercent(ratio: number | null | undefined, digits = 1, i18n: Translator = english()): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? '—'
    : `${i18n.number(round(ratio * 100, digits), { maximumFractionDigits: digits })} %`;
}

/** 2.5 → "2.5×" ("2,5×"). */
export function formatRatio(ratio: number | null | undefined, i18n: Translator = english()): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? '—'
    : `${i18n.number(round(ratio, 2), { maximumFractionDigits: 2 })}×`;
}

/** A count (or any plain number) in the locale: 1234.5 → "1,234.5" / "1 234,5"; non-numbers → "—". */
export function formatNumber(value: number | null | undefined, i18n: Translator = english()): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : i18n.number(value, { maximumFractionDigits: 2 });
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
