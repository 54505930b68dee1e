/**
 * docker-compose.yml against the Compose specification's JSON schema (vendored in
 * deploy/compose-spec), plus what the cluster needs: the network capabilities instead of
 * root, the dedup store on a volume every node mounts, and a shutdown budget below the grace
 * period. A broken file is refused with the reason.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error -- a plain .mjs script without types
import { composeViolations, readCompose } from '../../scripts/validate-compose.mjs';
import { ROOT, temporaryDirectory } from './cli-process.js';

type Compose = { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> };
const violations = composeViolations as (document: unknown) => string[];
const read = readCompose as (file: string) => Compose;

function seconds(duration: string): number {
  const match = /^(\d+)s$/.exec(duration);
  assert.ok(match, `duration ${duration}`);
  return Number(match[1]);
}

describe('docker-compose.yml', () => {
  const compose = read(path.join(ROOT, 'docker-compose.yml'));

  it('matches the Compose specification schema', () => {
    assert.deepEqual(violations(compose), []);
  });

  it('gives both Vigie nodes the network capabilities, the shared dedup volume and a budget below the grace period', () => {
    for (const name of ['vigie-1', 'vigie-2']) {
      const node = compose.services[name]!;
      assert.deepEqual(node.cap_add, ['NET_RAW', 'NET_ADMIN']);
      assert.equal(node.user, undefined, 'not root: the image runs as node');
      assert.ok((node.volumes as string[]).includes('dedup-data:/data/dedup'));
      const environment = node.environment as Record<string, string>;
      assert.equal(environment.DEDUP_DIR, '/data/dedup');
      assert.ok(Number(environment.SHUTDOWN_TIMEOUT_MS) < seconds(String(node.stop_grace_period)) * 1000);
    }
    assert.ok('dedup-data' in compose.volumes);
  });

  it('refuses a file that breaks the schema, saying where', () => {
    const directory = temporaryDirectory('vigie-compose-');
    try {
      const file = path.join(directory.path, 'compose.yml');
      writeFileSync(file, 'services:\n  a:\n    image: x\n    stop_grace_period: soon\n    cap_add: NET_RAW\n    bogus: 1\n');
      const found = violations(read(file)).join('\n');
      assert.match(found, /\/services\/a must NOT have additional properties/);
      assert.match(found, /\/services\/a\/cap_add must be array/);
      assert.match(found, /stop_grace_period must match format "duration"/);
    } finally {
      directory.remove();
    }
  });
});
