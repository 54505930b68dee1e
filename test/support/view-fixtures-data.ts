/**
 * Result fixtures of the dedup, knowledge, service, status and external tools, split from
 * view-fixtures.ts; `s` splices hostile text into free-text fields.
 */
import type { Translator } from '../../src/contracts/i18n.js';
import type { ResultView } from '../../src/contracts/result-view.js';
import type { ToolResult } from '../../src/tools/tool-contract.js';
import { knowledgeView, systemStatusView } from '../../src/tools/core/core-views.js';
import { dedupIngestView, dedupQueryView } from '../../src/tools/dedup/dedup-views.js';
import { serviceSearchView } from '../../src/tools/services/services-views.js';
import { genericResultView } from '../../src/tools/pipeline/result-views.js';

/** A fixture before its view is built: `build` makes the tool's own view (undefined: the generic one). */
export type FixtureSource = {
  tool: string;
  args: Record<string, unknown>;
  result: ToolResult;
  build: (result: ToolResult) => ResultView | undefined;
};

const citation = (index: number, title: string, text: string, url: string | null) => ({
  marker: `[${index}]`,
  source: `[${index}] ${title}`,
  documentId: `doc-${index}`,
  title,
  sourceUrl: url,
  headingPath: [title, 'Failover'],
  startOffset: 120 * index,
  endOffset: 120 * index + text.length,
  score: 0.9 - index / 10,
  text,
});

/** The dedup, knowledge, service, status and external-tool fixtures. */
export function dataFixtures(s: (value: string) => string, i18n: Translator): FixtureSource[] {
  return [
    {
      tool: 'dedup_query',
      args: { query: 'stats' },
      result: {
        status: 'success',
        data: {
          snapshot: null,
          snapshots: 3,
          files: 1200,
          duplicateFiles: 310,
          logicalBytes: 5_400_000_000,
          atomReferences: 90_000,
          uniqueAtoms: 40_000,
          uniqueBytes: 2_100_000_000,
          storedBytes: 1_300_000_000,
          storeAtoms: 40_000,
          storeBytes: 1_300_000_000,
          dedupRatio: 2.57,
          compressionRatio: 1.62,
          meanReuse: 2.25,
        },
      },
      build: (result) => dedupQueryView({ query: 'stats' }, result, i18n),
    },
    {
      tool: 'dedup_query',
      args: { query: 'top' },
      result: {
        status: 'success',
        data: [
          {
            hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90',
            size: 65536,
            references: 120,
            savedBytes: 7_798_784,
            files: [{ snapshot: 'monday', path: s('lib/vendor.js') }],
          },
          { hash: 'b4e2', size: 8192, references: 40, savedBytes: 319_488, files: [] },
        ],
      },
      build: (result) => dedupQueryView({ query: 'top' }, result, i18n),
    },
    {
      tool: 'dedup_query',
      args: { query: 'similar', subject: 'lib/index.js' },
      result: {
        status: 'success',
        data: [
          { path: s('lib/index.old.js'), size: 20_000, sharedBytes: 18_000, sharedAtoms: 9, similarity: 0.9 },
          { path: 'lib/main.js', size: 40_000, sharedBytes: 10_000, sharedAtoms: 4, similarity: 0.25 },
        ],
      },
      build: (result) => dedupQueryView({ query: 'similar', subject: 'lib/index.js' }, result, i18n),
    },
    {
      tool: 'dedup_query',
      args: { query: 'diff', subject: 'monday', other: 'tuesday' },
      result: {
        status: 'success',
        data: {
          from: 'monday',
          to: 'tuesday',
          added: { files: 3, bytes: 30_000 },
          removed: { files: 1, bytes: 1000 },
          changed: { files: 2, bytesBefore: 5000, bytesAfter: 6000 },
          unchanged: 1194,
          newUniqueBytes: 21_000,
          entries: [
            { path: s('docs/new.md'), change: 'added', sizeBefore: null, sizeAfter: 10_000 },
            { path: 'old.txt', change: 'removed', sizeBefore: 1000, sizeAfter: null },
          ],
        },
      },
      build: (result) => dedupQueryView({ query: 'diff' }, result, i18n),
    },
    {
      tool: 'dedup_ingest',
      args: { path: '/srv/backups' },
      result: {
        status: 'success',
        data: {
          snapshot: 'nightly-22',
          root: '/srv/backups',
          resumed: false,
          previousSnapshot: 'nightly-21',
          files: 1200,
          filesRead: 40,
          filesUnchanged: 1160,
          filesResumed: 0,
          symlinks: 2,
          bytes: 5_400_000_000,
          bytesRead: 120_000_000,
          newAtoms: 300,
          newAtomBytes: 40_000_000,
          newStoredBytes: 21_000_000,
          problemCount: 1,
          problems: [{ path: s('secret.bin'), error: 'EACCES' }],
        },
      },
      build: (result) => dedupIngestView(result, i18n),
    },
    {
      tool: 'knowledge_search',
      args: { query: 'fail over the core router' },
      result: {
        status: 'success',
        data: {
          answer: 'see citations',
          citations: [
            citation(
              1,
              s('Core router runbook'),
              s('To fail over the core router, drain BGP on r1 then shut the uplink.'),
              'https://wiki.example.test/core-router',
            ),
            citation(2, 'Network on-call guide', 'Page the network lead before any failover of the core.', null),
          ],
        },
      },
      build: (result) => knowledgeView({ query: 'fail over the core router' }, result, i18n),
    },
    {
      tool: 'service_search',
      args: { q: 'plombier', near: 'Douala' },
      result: {
        status: 'success',
        data: {
          cards: [
            {
              id: 's-1',
              title: s('Plombier dépannage rapide'),
              subtitle: 'Plomberie · Douala · 1.2 km',
              text: s('Réparation de fuites, robinets et chauffe-eau.'),
              fields: [
                { label: 'Prix', value: '5 000 – 8 000 XAF' },
                { label: 'Disponibilité', value: '7j/7' },
              ],
              footer: 'mots : plombier · à 1.2 km',
            },
            {
              id: 's-2',
              title: 'Plomberie générale Akwa',
              subtitle: 'Plomberie · Douala · 3.4 km',
              text: 'Installation sanitaire.',
              fields: [{ label: 'Prix', value: 'sur devis' }],
              footer: 'mots : plombier',
            },
          ],
        },
      },
      build: (result) => serviceSearchView({ q: 'plombier', near: 'Douala' }, result, i18n),
    },
    {
      tool: 'system_status',
      args: {},
      result: {
        status: 'success',
        data: {
          version: '0.1.0',
          uptimeSeconds: 7380,
          database: { backend: 'pglite', latencyMs: 0.8 },
          memory: { rssMb: 180, heapUsedMb: 70 },
          load: [0.5, 0.4, 0.3],
          toolsets: [
            { name: 'core', ok: true },
            { name: 'qos', ok: false, detail: s('applying QoS needs root') },
          ],
        },
      },
      build: (result) => systemStatusView(result, i18n),
    },
    {
      tool: 'acme.lookup',
      args: { id: 42 },
      result: {
        status: 'success',
        data: {
          id: 42,
          owner: s('alice'),
          tags: ['a', 'b'],
          items: [
            { sku: 'X1', qty: 3 },
            { sku: s('X2'), qty: 1 },
          ],
        },
      },
      build: (result) => genericResultView('acme.lookup', result, i18n),
    },
  ];
}
