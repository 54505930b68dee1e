/**
 * `npm run docs:screenshots`: a PNG of every result view as the live console shows it, for
 * docs/result-views.md. It boots the real app on embedded PGlite, stores one assistant
 * message per view (the realistic tool results of test/support/view-fixtures.ts, turned into
 * views by the tools' own builders, plus approval previews and an audit timeline), opens the
 * console in headless Chromium with the same driver as the browser tests (by host name) and
 * screenshots each card into docs/images/view-<kind>.png. The raw JSON stays behind
 * "Details" in every picture, as in the console. Prints one JSON line: files and sizes.
 *
 *   npm run docs:screenshots [-- --out docs/images] [-- --locale fr]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleConsole } from './bundle-console.mjs';
import type { ResultView } from '../src/contracts/result-view.js';
import { openMigratedDatabase } from '../src/db/database.js';
import { createConversation, launchChromium, logIn, openConsole } from '../test/support/console-driver.js';
import { startTestApp } from '../test/support/test-app.js';
import { extraViews, toolFixtures } from '../test/support/view-fixtures.js';

const HOST = 'vigie.localtest';
const root = path.resolve(import.meta.dirname, '..');

/** One picture: the card a message carries. */
interface Shot {
  file: string;
  tool: string;
  status: 'succeeded' | 'pending_approval';
  riskLevel: string;
  view: ResultView;
}

/** The pictures to take: every tool fixture's view, then approval previews and the audit timeline. */
function shots(): Shot[] {
  const fileOf = (kind: string) => `view-${kind.replace(/[^a-z0-9]+/gi, '-')}.png`;
  const list: Shot[] = toolFixtures().map((fixture) => ({
    file: fileOf(fixture.view.kind),
    tool: fixture.tool,
    status: 'succeeded',
    riskLevel: 'read',
    view: fixture.view,
  }));
  for (const { name, view } of extraViews()) {
    const preview = name.endsWith('preview');
    list.push({
      file: fileOf(view.kind),
      tool: view.kind === 'audit.timeline' ? 'audit_trail' : name.split(' ')[0]!,
      status: preview ? 'pending_approval' : 'succeeded',
      riskLevel: name.startsWith('qos') ? 'disruptive' : preview ? 'mutate' : 'read',
      view,
    });
  }
  return list;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: path.join(root, 'docs', 'images') }, locale: { type: 'string', default: 'en-US' } },
  });
  const outDirectory = path.resolve(values.out!);
  if (!/^[a-z]{2}(-[A-Z]{2})?$/.test(values.locale!)) throw new Error('--locale must look like en-US or fr');
  mkdirSync(outDirectory, { recursive: true });
  const bundleDirectory = mkdtempSync(path.join(tmpdir(), 'vigie-screenshots-'));
  await bundleConsole(bundleDirectory, { minify: true });
  const { database } = await openMigratedDatabase({ backend: 'pglite' });
  const harness = await startTestApp(database, { gateway: true, consoleDirectory: bundleDirectory });
  const browser = await launchChromium([HOST]);
  const written: Array<{ file: string; bytes: number }> = [];
  try {
    const { page, problems } = await openConsole(browser, `http://${HOST}:${new URL(harness.url).port}`, {
      locale: values.locale!,
      viewport: { width: 1500, height: 2200 },
    });
    await logIn(page, harness.adminToken);
    await createConversation(page, 'Result views');
    const conversationId = (await page.locator('#conversation-list button[aria-current=true]').getAttribute('data-conversation-id'))!;
    const admin = await database.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
    const list = shots();
    for (const [index, shot] of list.entries()) {
      const id = `0193a3c1-0000-7000-8000-${String(index + 1).padStart(12, '0')}`;
      const card = {
        id,
        tool: shot.tool,
        status: shot.status,
        riskLevel: shot.riskLevel,
        requesterName: admin.name,
        ...(shot.status === 'pending_approval' ? { preview: shot.view, expiresAt: '2026-12-06T20:00:00.000Z' } : { view: shot.view }),
      };
      await database.prisma.message.create({
        data: {
          conversationId,
          role: 'assistant',
          channel: 'console',
          content: `${shot.tool}: ${shot.view.headline}`,
          metadata: { executions: [card] },
        },
      });
    }
    // Reopen the conversation: the stored cards render exactly as after a reload.
    await page.reload();
    await page.locator('#connection-state', { hasText: /online|en ligne/ }).waitFor();
    await page.locator('#conversation-list button', { hasText: 'Result views' }).click();
    await page
      .locator('#message-list .tool-card')
      .nth(list.length - 1)
      .waitFor();
    await page.locator('.result-view[data-view-kind="network.check"] canvas').first().waitFor();
    await page.addStyleTag({ content: '#message-list .tool-card { max-width: 780px; }' });
    for (const [index, shot] of list.entries()) {
      const card = page.locator(
        `#message-list .tool-card[data-execution-id="0193a3c1-0000-7000-8000-${String(index + 1).padStart(12, '0')}"]`,
      );
      await card.scrollIntoViewIfNeeded();
      const file = path.join(outDirectory, values.locale!.startsWith('fr') ? shot.file.replace(/\.png$/, '-fr.png') : shot.file);
      await card.screenshot({ path: file, animations: 'disabled', scale: 'css' });
      written.push({ file: path.relative(root, file), bytes: statSync(file).size });
    }
    if (problems.length) throw new Error(`the console logged errors: ${problems.join('; ')}`);
    await page.context().close();
  } finally {
    await browser.close();
    await harness.close();
    await database.close();
    rmSync(bundleDirectory, { recursive: true, force: true });
  }
  const totalBytes = written.reduce((sum, entry) => sum + entry.bytes, 0);
  process.stdout.write(
    `${JSON.stringify({ screenshots: written.length, totalBytes, largestBytes: Math.max(...written.map((entry) => entry.bytes)), files: written })}\n`,
  );
}

await main();
