/**
 * Serving the console: `/` answers 503 with the build command when the bundle is missing,
 * and serves index.html (no-cache) and the script under the app's CSP when it is there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startTestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

describe('console assets', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'vigie-console-assets-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('says how to build the console when the bundle is missing', async () => {
    const harness = await startTestApp(await testBackends()[0]!.open(), { consoleDirectory: path.join(directory, 'missing') });
    try {
      const response = await fetch(`${harness.url}/`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build/);
      assert.equal((await fetch(`${harness.url}/console.js`)).status, 404);
    } finally {
      await harness.close();
      await harness.database.close();
    }
  });

  it('serves the bundle with a strict script policy', async () => {
    writeFileSync(path.join(directory, 'index.html'), '<!doctype html><title>t</title><script type="module" src="console.js"></script>');
    writeFileSync(path.join(directory, 'console.js'), 'export {};');
    const harness = await startTestApp(await testBackends()[0]!.open(), { consoleDirectory: directory });
    try {
      const page = await fetch(`${harness.url}/`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const script = await fetch(`${harness.url}/console.js`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
      // The API keeps its own 404s.
      assert.equal((await fetch(`${harness.url}/api/nothing`)).status, 401);
    } finally {
      await harness.close();
      await harness.database.close();
    }
  });
});
