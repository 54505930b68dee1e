/**
 * Result views of the dedup tools: stats as ratios and bars (logical vs unique vs stored
 * bytes), top atoms and similar files as tables with bars, a breakdown by directory or type,
 * a snapshot diff as counts and a change table, an atom with its preview, and the ingest
 * report. The query kind decides the layout; the data is read defensively.
 */
import type { ResultView, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asArray, asNumber, asRecord, asText, formatBytes, formatPercent, formatRatio, view } from '../view-format.js';
import { canonicalQueryKind } from './dedup-schemas.js';
import type { AtomInfo } from './atom-info.js';
import type { IngestReport } from './ingest.js';
import type { BreakdownRow, DedupStats, SimilarFile, SnapshotDiff, TopAtom } from './queries.js';

const short = (hash: string) => hash.slice(0, 12);

function statsView(stats: DedupStats): ResultView {
  return view('dedup.stats', `${stats.files} files, ${formatBytes(stats.logicalBytes)} stored as ${formatBytes(stats.storedBytes)}: dedup ${formatRatio(stats.dedupRatio)}, compression ${formatRatio(stats.compressionRatio)}`, 'ok', [
    {
      type: 'fields',
      fields: [
        { label: 'Snapshot', value: stats.snapshot ?? `all (${stats.snapshots})` },
        { label: 'Files', value: String(stats.files) },
        { label: 'Duplicate files', value: String(stats.duplicateFiles) },
        { label: 'Unique atoms', value: String(stats.uniqueAtoms) },
        { label: 'Atom references', value: String(stats.atomReferences) },
        { label: 'Mean reuse', value: formatRatio(stats.meanReuse) },
        { label: 'Dedup ratio', value: formatRatio(stats.dedupRatio) },
        { label: 'Compression ratio', value: formatRatio(stats.compressionRatio) },
      ],
    },
    {
      type: 'bars',
      title: 'Bytes',
      items: [
        { label: 'Logical (as ingested)', value: stats.logicalBytes, display: formatBytes(stats.logicalBytes) },
        { label: 'Unique (after dedup)', value: stats.uniqueBytes, display: formatBytes(stats.uniqueBytes) },
        { label: 'Stored (compressed)', value: stats.storedBytes, display: formatBytes(stats.storedBytes) },
      ],
    },
  ]);
}

function topView(atoms: TopAtom[]): ResultView {
  const saved = atoms.reduce((sum, atom) => sum + (asNumber(atom.savedBytes) ?? 0), 0);
  return view('dedup.top', `${atoms.length} most reused atom(s), saving ${formatBytes(saved)}`, 'ok', [
    {
      type: 'table',
      title: 'Atoms',
      columns: [
        { key: 'hash', label: 'Atom' },
        { key: 'size', label: 'Size', align: 'right' },
        { key: 'references', label: 'References', align: 'right' },
        { key: 'saved', label: 'Saved', align: 'right' },
        { key: 'files', label: 'Files' },
      ],
      rows: atoms.map((atom) => ({ hash: short(asText(atom.hash)), size: formatBytes(atom.size), references: atom.references, saved: formatBytes(atom.savedBytes), files: asArray(atom.files).map((file) => asText(asRecord(file)?.path)).join(', ') })),
    },
    { type: 'bars', title: 'Bytes saved', items: atoms.map((atom) => ({ label: short(asText(atom.hash)), value: Math.max(0, asNumber(atom.savedBytes) ?? 0), display: formatBytes(atom.savedBytes) })) },
  ]);
}

function similarView(files: SimilarFile[], path: string): ResultView {
  return view('dedup.similar', `${files.length} file(s) share content with ${path}`, 'ok', [
    { type: 'bars', title: 'Similarity', max: 1, items: files.map((file) => ({ label: file.path, value: Math.min(1, Math.max(0, asNumber(file.similarity) ?? 0)), display: formatPercent(file.similarity, 0) })) },
    {
      type: 'table',
      title: 'Files',
      columns: [
        { key: 'path', label: 'File' },
        { key: 'size', label: 'Size', align: 'right' },
        { key: 'shared', label: 'Shared', align: 'right' },
        { key: 'atoms', label: 'Shared atoms', align: 'right' },
      ],
      rows: files.map((file) => ({ path: file.path, size: formatBytes(file.size), shared: formatBytes(file.sharedBytes), atoms: file.sharedAtoms })),
    },
  ]);
}

function breakdownView(rows: BreakdownRow[], by: string): ResultView {
  return view('dedup.breakdown', `Breakdown by ${by}: ${rows.length} group(s)`, 'ok', [
    { type: 'bars', title: 'Bytes', items: rows.map((row) => ({ label: row.key, value: Math.max(0, asNumber(row.bytes) ?? 0), display: `${formatBytes(row.bytes)} (${formatRatio(row.dedupRatio)})` })) },
    {
      type: 'table',
      columns: [
        { key: 'key', label: by === 'type' ? 'Type' : 'Directory' },
        { key: 'files', label: 'Files', align: 'right' },
        { key: 'bytes', label: 'Bytes', align: 'right' },
        { key: 'unique', label: 'Unique', align: 'right' },
        { key: 'ratio', label: 'Dedup', align: 'right' },
      ],
      rows: rows.map((row) => ({ key: row.key, files: row.files, bytes: formatBytes(row.bytes), unique: formatBytes(row.uniqueBytes), ratio: formatRatio(row.dedupRatio) })),
    },
  ]);
}

function diffView(diff: SnapshotDiff): ResultView {
  const entries = asArray(diff.entries) as SnapshotDiff['entries'];
  return view('dedup.diff', `${diff.from} → ${diff.to}: ${diff.added.files} added, ${diff.removed.files} removed, ${diff.changed.files} changed, ${diff.unchanged} unchanged`, 'ok', [
    {
      type: 'bars',
      title: 'Files',
      items: [
        { label: 'Added', value: diff.added.files, display: `${diff.added.files} (${formatBytes(diff.added.bytes)})` },
        { label: 'Removed', value: diff.removed.files, display: `${diff.removed.files} (${formatBytes(diff.removed.bytes)})` },
        { label: 'Changed', value: diff.changed.files, display: `${diff.changed.files} (${formatBytes(diff.changed.bytesBefore)} → ${formatBytes(diff.changed.bytesAfter)})` },
        { label: 'Unchanged', value: diff.unchanged, display: String(diff.unchanged) },
      ],
    },
    { type: 'fields', fields: [{ label: 'New unique bytes', value: formatBytes(diff.newUniqueBytes) }] },
    entries.length > 0 && {
      type: 'diff',
      title: 'Changed paths',
      removed: entries.filter((entry) => entry.change === 'removed').map((entry) => `${entry.path} (${formatBytes(entry.sizeBefore)})`),
      added: entries.filter((entry) => entry.change !== 'removed').map((entry) => `${entry.path} (${entry.change === 'changed' ? `${formatBytes(entry.sizeBefore)} → ` : ''}${formatBytes(entry.sizeAfter)})`),
    },
  ]);
}

function atomView(atom: AtomInfo): ResultView {
  const preview = asRecord(atom.preview);
  return view('dedup.atom', `Atom ${short(asText(atom.hash))}: ${formatBytes(atom.size)}, ${atom.references} reference(s)`, 'ok', [
    { type: 'fields', fields: [{ label: 'Hash', value: asText(atom.hash) }, { label: 'Size', value: formatBytes(atom.size) }, { label: 'Stored', value: formatBytes(atom.storedSize) }, { label: 'References', value: String(atom.references) }] },
    { type: 'table', title: 'Files', columns: [{ key: 'snapshot', label: 'Snapshot' }, { key: 'path', label: 'Path' }, { key: 'position', label: 'Position', align: 'right' }], rows: asArray(atom.files).map((file) => { const record = asRecord(file) ?? {}; return { snapshot: asText(record.snapshot), path: asText(record.path), position: asNumber(record.position) }; }) },
    preview && preview.kind !== 'unavailable' ? { type: 'code', title: `Preview (${asText(preview.kind)}${preview.truncated ? ', truncated' : ''})`, text: asText(preview.content), collapsed: true } : null,
  ]);
}

function snapshotsView(snapshots: Array<Record<string, unknown>>): ResultView {
  return view('dedup.snapshots', `${snapshots.length} snapshot(s)`, 'ok', [
    {
      type: 'table',
      columns: [
        { key: 'name', label: 'Snapshot' },
        { key: 'status', label: 'Status' },
        { key: 'files', label: 'Files', align: 'right' },
        { key: 'bytes', label: 'Bytes', align: 'right' },
        { key: 'created', label: 'Created' },
      ],
      rows: snapshots.map((snapshot) => ({ name: asText(snapshot.name), status: asText(snapshot.status), files: asNumber(snapshot.fileCount) ?? asNumber(snapshot.files), bytes: formatBytes(asNumber(snapshot.logicalBytes) ?? asNumber(snapshot.bytes)), created: asText(snapshot.createdAt) })),
    },
  ]);
}

/** The view of a dedup_query result, by query kind. */
export function dedupQueryView(input: { query?: string; by?: string; subject?: string; path?: string }, result: ToolResult): ResultView | undefined {
  if (result.status !== 'success' || result.data === undefined) return undefined;
  const data: unknown = result.data;
  switch (canonicalQueryKind(input.query ?? 'stats')) {
    case 'stats':
      return asRecord(data) ? statsView(data as DedupStats) : undefined;
    case 'top':
      return topView(asArray(data) as TopAtom[]);
    case 'similar':
      return similarView(asArray(data) as SimilarFile[], input.path ?? input.subject ?? '');
    case 'breakdown':
      return breakdownView(asArray(data) as BreakdownRow[], input.by ?? input.subject ?? 'directory');
    case 'diff':
      return asRecord(data) ? diffView(data as SnapshotDiff) : undefined;
    case 'atom':
      return asRecord(data) ? atomView(data as AtomInfo) : undefined;
    case 'snapshots':
      return snapshotsView(asArray(data).map((item) => asRecord(item) ?? {}));
    default:
      return undefined;
  }
}

/** The view of a dedup_ingest report. */
export function dedupIngestView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const report = result.data as IngestReport & { problems?: unknown[] };
  const problems: ViewBlock | null = report.problemCount > 0 ? { type: 'text', title: `Problems (${report.problemCount})`, text: asArray(report.problems).map((problem) => { const record = asRecord(problem); return record ? `${asText(record.path)}: ${asText(record.error) || asText(record.message)}` : asText(problem); }).join('\n') } : null;
  return view('dedup.ingest', `Snapshot ${report.snapshot}: ${report.files} files, ${formatBytes(report.bytes)}, ${report.newAtoms} new atom(s)`, report.problemCount > 0 ? 'warning' : 'ok', [
    {
      type: 'fields',
      fields: [
        { label: 'Root', value: report.root },
        { label: 'Previous snapshot', value: report.previousSnapshot ?? '—' },
        { label: 'Files read', value: String(report.filesRead) },
        { label: 'Unchanged (skipped)', value: String(report.filesUnchanged) },
        { label: 'New atom bytes', value: formatBytes(report.newAtomBytes) },
        { label: 'Stored', value: formatBytes(report.newStoredBytes) },
      ],
    },
    { type: 'bars', title: 'Bytes', items: [{ label: 'Read', value: report.bytesRead, display: formatBytes(report.bytesRead) }, { label: 'New', value: report.newAtomBytes, display: formatBytes(report.newAtomBytes) }, { label: 'Stored', value: report.newStoredBytes, display: formatBytes(report.newStoredBytes) }] },
    problems,
  ]);
}

/** What approving a dedup_ingest will do. */
export function dedupIngestPreview(input: { path: string; snapshot?: string; full?: boolean }): ResultView {
  return view('dedup.ingest.preview', `Will snapshot ${input.path} into the dedup store`, 'pending', [
    { type: 'fields', fields: [{ label: 'Directory', value: input.path }, { label: 'Snapshot', value: input.snapshot ?? '(named by date)' }, { label: 'Mode', value: input.full ? 'full (re-read every file)' : 'incremental (unchanged files skipped)' }] },
  ]);
}
