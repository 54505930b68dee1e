/**
 * Result views of the dedup tools: stats as ratios and bars (logical vs unique vs stored
 * bytes), top atoms and similar files as tables with bars, a breakdown by directory or type,
 * a snapshot diff as counts and a change table, an atom with its preview, and the ingest
 * report. The query kind decides the layout; the data is read defensively.
 */
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import {
  asArray,
  asNumber,
  asRecord,
  asText,
  english,
  formatBytes as bytesIn,
  formatNumber,
  formatPercent,
  formatRatio as ratioIn,
  view,
} from '../view-format.js';
import { canonicalQueryKind } from './dedup-schemas.js';
import type { AtomInfo } from './atom-info.js';
import type { IngestReport } from './ingest.js';
import type { BreakdownRow, DedupStats, SimilarFile, SnapshotDiff, TopAtom } from './queries.js';

const short = (hash: string) => hash.slice(0, 12);

/** The locale's formatters and messages, bound once per view. */
function wordsOf(i18n: Translator) {
  return {
    t: (key: string, vars?: Record<string, unknown>) => i18n.t(`view.dedup.${key}`, vars),
    bytes: (value: number | null | undefined) => bytesIn(value, i18n),
    ratio: (value: number | null | undefined) => ratioIn(value, i18n),
    num: (value: number | null | undefined) => formatNumber(value, i18n),
  };
}

type Words = ReturnType<typeof wordsOf>;

function statsView(stats: DedupStats, w: Words): ResultView {
  const headline = w.t('statsHeadline', {
    files: w.t('files', { count: stats.files }),
    logical: w.bytes(stats.logicalBytes),
    stored: w.bytes(stats.storedBytes),
    dedup: w.ratio(stats.dedupRatio),
    compression: w.ratio(stats.compressionRatio),
  });
  return view('dedup.stats', headline, 'ok', [
    {
      type: 'fields',
      fields: [
        { label: w.t('snapshot'), value: stats.snapshot ?? w.t('allSnapshots', { count: stats.snapshots }) },
        { label: w.t('filesLabel'), value: w.num(stats.files) },
        { label: w.t('duplicateFiles'), value: w.num(stats.duplicateFiles) },
        { label: w.t('uniqueAtoms'), value: w.num(stats.uniqueAtoms) },
        { label: w.t('atomReferences'), value: w.num(stats.atomReferences) },
        { label: w.t('meanReuse'), value: w.ratio(stats.meanReuse) },
        { label: w.t('dedupRatio'), value: w.ratio(stats.dedupRatio) },
        { label: w.t('compressionRatio'), value: w.ratio(stats.compressionRatio) },
      ],
    },
    {
      type: 'bars',
      title: w.t('bytes'),
      items: [
        { label: w.t('logical'), value: stats.logicalBytes, display: w.bytes(stats.logicalBytes) },
        { label: w.t('unique'), value: stats.uniqueBytes, display: w.bytes(stats.uniqueBytes) },
        { label: w.t('storedCompressed'), value: stats.storedBytes, display: w.bytes(stats.storedBytes) },
      ],
    },
  ]);
}

function topView(atoms: TopAtom[], w: Words): ResultView {
  const saved = atoms.reduce((sum, atom) => sum + (asNumber(atom.savedBytes) ?? 0), 0);
  return view('dedup.top', w.t('topHeadline', { count: atoms.length, saved: w.bytes(saved) }), 'ok', [
    {
      type: 'table',
      title: w.t('atoms'),
      columns: [
        { key: 'hash', label: w.t('atom') },
        { key: 'size', label: w.t('size'), align: 'right' },
        { key: 'references', label: w.t('references'), align: 'right' },
        { key: 'saved', label: w.t('saved'), align: 'right' },
        { key: 'files', label: w.t('filesLabel') },
      ],
      rows: atoms.map((atom) => ({
        hash: short(asText(atom.hash)),
        size: w.bytes(atom.size),
        references: atom.references,
        saved: w.bytes(atom.savedBytes),
        files: asArray(atom.files)
          .map((file) => asText(asRecord(file)?.path))
          .join(', '),
      })),
    },
    {
      type: 'bars',
      title: w.t('bytesSaved'),
      items: atoms.map((atom) => ({
        label: short(asText(atom.hash)),
        value: Math.max(0, asNumber(atom.savedBytes) ?? 0),
        display: w.bytes(atom.savedBytes),
      })),
    },
  ]);
}

function similarView(files: SimilarFile[], path: string, w: Words, i18n: Translator): ResultView {
  return view('dedup.similar', w.t('similarHeadline', { count: files.length, path }), 'ok', [
    {
      type: 'bars',
      title: w.t('similarity'),
      max: 1,
      items: files.map((file) => ({
        label: file.path,
        value: Math.min(1, Math.max(0, asNumber(file.similarity) ?? 0)),
        display: formatPercent(file.similarity, 0, i18n),
      })),
    },
    {
      type: 'table',
      title: w.t('filesLabel'),
      columns: [
        { key: 'path', label: w.t('file') },
        { key: 'size', label: w.t('size'), align: 'right' },
        { key: 'shared', label: w.t('shared'), align: 'right' },
        { key: 'atoms', label: w.t('sharedAtoms'), align: 'right' },
      ],
      rows: files.map((file) => ({
        path: file.path,
        size: w.bytes(file.size),
        shared: w.bytes(file.sharedBytes),
        atoms: file.sharedAtoms,
      })),
    },
  ]);
}

function breakdownView(rows: BreakdownRow[], by: string, w: Words): ResultView {
  const byWord = by === 'type' ? w.t('byType') : by === 'directory' ? w.t('byDirectory') : by;
  return view('dedup.breakdown', w.t('breakdownHeadline', { by: byWord, count: rows.length }), 'ok', [
    {
      type: 'bars',
      title: w.t('bytes'),
      items: rows.map((row) => ({
        label: row.key,
        value: Math.max(0, asNumber(row.bytes) ?? 0),
        display: `${w.bytes(row.bytes)} (${w.ratio(row.dedupRatio)})`,
      })),
    },
    {
      type: 'table',
      columns: [
        { key: 'key', label: by === 'type' ? w.t('type') : w.t('directory') },
        { key: 'files', label: w.t('filesLabel'), align: 'right' },
        { key: 'bytes', label: w.t('bytes'), align: 'right' },
        { key: 'unique', label: w.t('uniqueShort'), align: 'right' },
        { key: 'ratio', label: w.t('dedupShort'), align: 'right' },
      ],
      rows: rows.map((row) => ({
        key: row.key,
        files: row.files,
        bytes: w.bytes(row.bytes),
        unique: w.bytes(row.uniqueBytes),
        ratio: w.ratio(row.dedupRatio),
      })),
    },
  ]);
}

function diffView(diff: SnapshotDiff, w: Words): ResultView {
  const entries = asArray(diff.entries) as SnapshotDiff['entries'];
  const headline = w.t('diffHeadline', {
    from: diff.from,
    to: diff.to,
    added: w.t('addedCount', { count: diff.added.files }),
    removed: w.t('removedCount', { count: diff.removed.files }),
    changed: w.t('changedCount', { count: diff.changed.files }),
    unchanged: w.t('unchangedCount', { count: diff.unchanged }),
  });
  return view('dedup.diff', headline, 'ok', [
    {
      type: 'bars',
      title: w.t('filesLabel'),
      items: [
        { label: w.t('added'), value: diff.added.files, display: `${w.num(diff.added.files)} (${w.bytes(diff.added.bytes)})` },
        { label: w.t('removed'), value: diff.removed.files, display: `${w.num(diff.removed.files)} (${w.bytes(diff.removed.bytes)})` },
        {
          label: w.t('changed'),
          value: diff.changed.files,
          display: `${w.num(diff.changed.files)} (${w.bytes(diff.changed.bytesBefore)} → ${w.bytes(diff.changed.bytesAfter)})`,
        },
        { label: w.t('unchanged'), value: diff.unchanged, display: w.num(diff.unchanged) },
      ],
    },
    { type: 'fields', fields: [{ label: w.t('newUniqueBytes'), value: w.bytes(diff.newUniqueBytes) }] },
    entries.length > 0 && {
      type: 'diff',
      title: w.t('changedPaths'),
      removed: entries.filter((entry) => entry.change === 'removed').map((entry) => `${entry.path} (${w.bytes(entry.sizeBefore)})`),
      added: entries
        .filter((entry) => entry.change !== 'removed')
        .map(
          (entry) => `${entry.path} (${entry.change === 'changed' ? `${w.bytes(entry.sizeBefore)} → ` : ''}${w.bytes(entry.sizeAfter)})`,
        ),
    },
  ]);
}

function atomView(atom: AtomInfo, w: Words): ResultView {
  const preview = asRecord(atom.preview);
  return view(
    'dedup.atom',
    w.t('atomHeadline', { hash: short(asText(atom.hash)), size: w.bytes(atom.size), count: atom.references }),
    'ok',
    [
      {
        type: 'fields',
        fields: [
          { label: w.t('hash'), value: asText(atom.hash) },
          { label: w.t('size'), value: w.bytes(atom.size) },
          { label: w.t('stored'), value: w.bytes(atom.storedSize) },
          { label: w.t('references'), value: w.num(atom.references) },
        ],
      },
      {
        type: 'table',
        title: w.t('filesLabel'),
        columns: [
          { key: 'snapshot', label: w.t('snapshot') },
          { key: 'path', label: w.t('path') },
          { key: 'position', label: w.t('position'), align: 'right' },
        ],
        rows: asArray(atom.files).map((file) => {
          const record = asRecord(file) ?? {};
          return { snapshot: asText(record.snapshot), path: asText(record.path), position: asNumber(record.position) };
        }),
      },
      preview && preview.kind !== 'unavailable'
        ? {
            type: 'code',
            title: w.t(preview.truncated ? 'previewTruncated' : 'preview', { kind: asText(preview.kind) }),
            text: asText(preview.content),
            collapsed: true,
          }
        : null,
    ],
  );
}

function snapshotsView(snapshots: Array<Record<string, unknown>>, w: Words): ResultView {
  return view('dedup.snapshots', w.t('snapshots', { count: snapshots.length }), 'ok', [
    {
      type: 'table',
      columns: [
        { key: 'name', label: w.t('snapshot') },
        { key: 'status', label: w.t('status') },
        { key: 'files', label: w.t('filesLabel'), align: 'right' },
        { key: 'bytes', label: w.t('bytes'), align: 'right' },
        { key: 'created', label: w.t('created') },
      ],
      rows: snapshots.map((snapshot) => ({
        name: asText(snapshot.name),
        status: asText(snapshot.status),
        files: asNumber(snapshot.fileCount) ?? asNumber(snapshot.files),
        bytes: w.bytes(asNumber(snapshot.logicalBytes) ?? asNumber(snapshot.bytes)),
        created: asText(snapshot.createdAt),
      })),
    },
  ]);
}

/** The view of a dedup_query result, by query kind. */
export function dedupQueryView(
  input: { query?: string; by?: string; subject?: string; path?: string },
  result: ToolResult,
  i18n: Translator = english(),
): ResultView | undefined {
  if (result.status !== 'success' || result.data === undefined) return undefined;
  const data: unknown = result.data;
  const w = wordsOf(i18n);
  switch (canonicalQueryKind(input.query ?? 'stats')) {
    case 'stats':
      return asRecord(data) ? statsView(data as DedupStats, w) : undefined;
    case 'top':
      return topView(asArray(data) as TopAtom[], w);
    case 'similar':
      return similarView(asArray(data) as SimilarFile[], input.path ?? input.subject ?? '', w, i18n);
    case 'breakdown':
      return breakdownView(asArray(data) as BreakdownRow[], input.by ?? input.subject ?? 'directory', w);
    case 'diff':
      return asRecord(data) ? diffView(data as SnapshotDiff, w) : undefined;
    case 'atom':
      return asRecord(data) ? atomView(data as AtomInfo, w) : undefined;
    case 'snapshots':
      return snapshotsView(
        asArray(data).map((item) => asRecord(item) ?? {}),
        w,
      );
    default:
      return undefined;
  }
}

/** The view of a dedup_ingest report. */
export function dedupIngestView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const w = wordsOf(i18n);
  const report = result.data as IngestReport & { problems?: unknown[] };
  const problems: ViewBlock | null =
    report.problemCount > 0
      ? {
          type: 'text',
          title: w.t('problems', { count: report.problemCount }),
          text: asArray(report.problems)
            .map((problem) => {
              const record = asRecord(problem);
              return record ? `${asText(record.path)}: ${asText(record.error) || asText(record.message)}` : asText(problem);
            })
            .join('\n'),
        }
      : null;
  const headline = w.t('ingestHeadline', {
    snapshot: report.snapshot,
    files: w.t('files', { count: report.files }),
    bytes: w.bytes(report.bytes),
    atoms: w.t('newAtoms', { count: report.newAtoms }),
  });
  return view('dedup.ingest', headline, report.problemCount > 0 ? 'warning' : 'ok', [
    {
      type: 'fields',
      fields: [
        { label: w.t('root'), value: report.root },
        { label: w.t('previousSnapshot'), value: report.previousSnapshot ?? '—' },
        { label: w.t('filesRead'), value: w.num(report.filesRead) },
        { label: w.t('unchangedSkipped'), value: w.num(report.filesUnchanged) },
        { label: w.t('newAtomBytes'), value: w.bytes(report.newAtomBytes) },
        { label: w.t('stored'), value: w.bytes(report.newStoredBytes) },
      ],
    },
    {
      type: 'bars',
      title: w.t('bytes'),
      items: [
        { label: w.t('read'), value: report.bytesRead, display: w.bytes(report.bytesRead) },
        { label: w.t('new'), value: report.newAtomBytes, display: w.bytes(report.newAtomBytes) },
        { label: w.t('stored'), value: report.newStoredBytes, display: w.bytes(report.newStoredBytes) },
      ],
    },
    problems,
  ]);
}

/** What approving a dedup_ingest will do. */
export function dedupIngestPreview(input: { path: string; snapshot?: string; full?: boolean }, i18n: Translator = english()): ResultView {
  const w = wordsOf(i18n);
  return view('dedup.ingest.preview', w.t('willSnapshot', { path: input.path }), 'pending', [
    {
      type: 'fields',
      fields: [
        { label: w.t('directory'), value: input.path },
        { label: w.t('snapshot'), value: input.snapshot ?? w.t('namedByDate') },
        { label: w.t('mode'), value: input.full ? w.t('modeFull') : w.t('modeIncremental') },
      ],
    },
  ]);
}
