/**
 * `vigie dedup …`: ingest a directory with a live progress bar (MB/s, files/s), restore,
 * verify, gc, delete (rollback) and the queries (stats, top, similar, breakdown, diff, atom).
 * Uses the server's configuration (DATABASE_URL or DATA_DIR, DEDUP_DIR).
 */
import { dedupQueryView } from './dedup-views.js';
import { renderTerminalView } from '../../cli/terminal-view.js';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase, type Database } from '../../db/database.js';
import { UnavailableError, ValidationError } from '../../errors.js';
import { runDedupQuery } from './dedup-query.js';
import { dedupQuerySchema } from './dedup-schemas.js';
import { dedupSettingsFromConfig, type DedupSettings } from './dedup-settings.js';
import { collectGarbage } from './garbage-collector.js';
import { ingestTree } from './ingest.js';
import { deleteSnapshot } from './metadata-store.js';
import { restoreSnapshot } from './restore.js';
import { verifyStore } from './verify.js';

async function withStore<T>(work: (database: Database, settings: DedupSettings) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const settings = dedupSettingsFromConfig(config);
  if (!settings) throw new UnavailableError('dedup_unavailable', 'set DEDUP_DIR or DATA_DIR');
  const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  try {
    return await work(database, settings);
  } finally {
    await database.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 200) throw new ValidationError('--limit must be an integer from 1 to 200');
  return parsed;
}

async function query(input: Record<string, unknown>): Promise<void> {
  const parsed = dedupQuerySchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  const data = await withStore((database, settings) => runDedupQuery(database.sql, settings.storeDirectory, parsed.data));
  // A person at a terminal reads the result view (tables, bars); pipes and scripts get JSON.
  const view = process.stdout.isTTY && !process.env.VIGIE_JSON ? dedupQueryView(parsed.data, { status: 'success', data }) : undefined;
  if (view) process.stdout.write(renderTerminalView(view));
  else print(data);
}

/** Registers `vigie dedup` and its subcommands. */
export function registerDedupCommands(program: Command): void {
  const dedup = program.command('dedup').description('content-defined dedup store: ingest, restore, verify, gc and queries');
  dedup
    .command('ingest <dir>')
    .description('snapshot a directory (unchanged files are skipped; re-run an interrupted snapshot name to resume it)')
    .option('-s, --snapshot <name>', 'snapshot name (default: <dir name>-<timestamp>)')
    .option('--full', 're-read every file even when unchanged since the previous snapshot')
    .option('--no-progress', 'no progress bar')
    .action(async (directory: string, options: { snapshot?: string; full?: boolean; progress: boolean }) => {
      const bar = new cliProgress.SingleBar(
        {
          format: 'ingest [{bar}] {value}/{total} files | {megabytes} MB | {rate} MB/s | {filesRate} files/s',
          hideCursor: true,
          noTTYOutput: false,
        },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      try {
        const report = await withStore((database, settings) =>
          ingestTree(database, settings, {
            root: directory,
            snapshot: options.snapshot,
            full: options.full,
            signal: controller.signal,
            onProgress: (progress) => {
              if (!options.progress || !process.stderr.isTTY) return;
              const payload = {
                megabytes: (progress.bytesDone / 1e6).toFixed(0),
                rate: (progress.bytesRead / 1e6 / Math.max(progress.elapsedSeconds, 0.001)).toFixed(0),
                filesRate: (progress.filesDone / Math.max(progress.elapsedSeconds, 0.001)).toFixed(0),
              };
              if (!started) bar.start(progress.filesSeen, progress.filesDone, payload);
              started = true;
              bar.setTotal(progress.filesSeen);
              bar.update(progress.filesDone, payload);
            },
          }),
        );
        if (started) bar.stop();
        print({ ...report, problems: report.problems.slice(0, 20) });
        console.error(
          `dedup: ${report.snapshot}: ${report.files} files (${report.filesRead} read, ${report.filesUnchanged} unchanged), ` +
            `${(report.bytesRead / 1e6).toFixed(1)} MB read at ${report.megabytesPerSecond.toFixed(0)} MB/s, ${report.filesPerSecond.toFixed(0)} files/s, ` +
            `${report.newAtoms} new atoms, ${report.problemCount} skipped`,
        );
      } finally {
        if (started) bar.stop();
        process.off('SIGINT', onSignal);
      }
    });
  dedup
    .command('restore <snapshot> <path> <dest>')
    .description("restore a file or a tree ('.' for all) of a snapshot, bit for bit with modes and mtimes, into a new or empty destination")
    .action(async (snapshot: string, path: string, destination: string) => {
      print(await withStore((database, settings) => restoreSnapshot(database, settings, { snapshot, path, destination })));
    });
  dedup
    .command('verify [snapshot]')
    .description('re-hash atoms and files; exit code 2 when anything is corrupt')
    .action(async (snapshot?: string) => {
      const report = await withStore((database, settings) => verifyStore(database, settings, { snapshot }));
      print(report);
      if (!report.ok) process.exitCode = 2;
    });
  dedup
    .command('gc')
    .description('remove atoms no snapshot references, and files a crash left behind')
    .option('--dry-run', 'only report what would be removed')
    .action(async (options: { dryRun?: boolean }) =>
      print(await withStore((database, settings) => collectGarbage(database, settings, options))),
    );
  dedup
    .command('delete <snapshot>')
    .alias('rollback')
    .description('delete a snapshot, or roll back an interrupted ingest')
    .action(async (snapshot: string) => print(await withStore((database) => deleteSnapshot(database.sql, snapshot))));
  dedup
    .command('snapshots')
    .description('list snapshots')
    .action(() => query({ query: 'snapshots' }));
  dedup
    .command('stats [snapshot]')
    .description('totals: files, bytes, atoms, dedup and compression ratios, mean reuse')
    .action((snapshot?: string) => query({ query: 'stats', snapshot }));
  dedup
    .command('top')
    .description('most reused atoms with the files that hold them')
    .option('-s, --snapshot <name>')
    .option('-l, --limit <n>')
    .option('--by <order>', 'references or bytes', 'references')
    .action((options: { snapshot?: string; limit?: string; by: string }) =>
      query({ query: 'top', snapshot: options.snapshot, limit: parseLimit(options.limit), by: options.by }),
    );
  dedup
    .command('similar <path>')
    .description('files sharing the most content with a file')
    .option('-s, --snapshot <name>')
    .option('-l, --limit <n>')
    .action((path: string, options: { snapshot?: string; limit?: string }) =>
      query({ query: 'similar', path, snapshot: options.snapshot, limit: parseLimit(options.limit) }),
    );
  dedup
    .command('breakdown [by]')
    .description('files and bytes per directory (default) or per file type')
    .option('-s, --snapshot <name>')
    .option('-d, --depth <n>')
    .option('-l, --limit <n>')
    .action((by: string | undefined, options: { snapshot?: string; depth?: string; limit?: string }) =>
      query({
        query: 'breakdown',
        by: by ?? 'directory',
        snapshot: options.snapshot,
        depth: options.depth,
        limit: parseLimit(options.limit),
      }),
    );
  dedup
    .command('diff <from> <to>')
    .description('added, removed and changed files between two snapshots')
    .option('-l, --limit <n>')
    .action((from: string, to: string, options: { limit?: string }) =>
      query({ query: 'diff', from, to, limit: parseLimit(options.limit) }),
    );
  dedup
    .command('atom <id>')
    .description('what an atom is, with a safe preview')
    .action((id: string) => query({ query: 'atom', atom: id }));
}
