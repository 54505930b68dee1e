// Validates docker-compose.yml (or the file given) against the Compose specification's JSON
// schema vendored in deploy/compose-spec, with YAML merge keys resolved as Compose does.
// Prints each violation and exits 1; used by CI and test/startup/compose-schema.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Drops draft-04 `id` labels (strings; a property named id is an object and stays). */
function withoutLegacyIds(node) {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

/** Returns the schema violations of a compose document (empty when valid). */
export function composeViolations(document) {
  // The schema still labels its parts with draft-04's `id`, which Ajv refuses: dropped here.
  const schema = withoutLegacyIds(JSON.parse(readFileSync(path.join(root, 'deploy', 'compose-spec', 'compose-spec.json'), 'utf8')));
  // Its `$schema` (http…/2019-09/schema#) is the draft Ajv2019 implements under another URI.
  delete schema.$schema;
  const ajv = new Ajv2019.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Compose durations: 1h30m, 20s, 1.5s, 500ms.
  ajv.addFormat('duration', /^((\d+(\.\d+)?)(us|ms|s|m|h))+$/);
  // Compose's own string formats: "3000", "3000-3005/tcp"; "[ip:]host[-range]:container[/proto]"; CIDR.
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('ports', /^(\[?[\da-fA-F.:]*\]?:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`,
  );
}

/** Compose interpolation with placeholders: ${VAR:-default} → default, ${VAR:?…} / ${VAR} → "set". */
function interpolate(node) {
  if (typeof node === 'string')
    return node.replace(/\$\{(\w+)(?::?-([^}]*)|:?\?[^}]*)?\}/g, (_match, _name, fallback) => fallback ?? 'set');
  if (Array.isArray(node)) return node.map(interpolate);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolate(value)]));
}

/** Parses a compose file (YAML 1.1 merge keys on, variables interpolated, as Compose reads them). */
export function readCompose(file) {
  return interpolate(parse(readFileSync(file, 'utf8'), { merge: true }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.resolve(process.argv[2] ?? path.join(root, 'docker-compose.yml'));
  const violations = composeViolations(readCompose(file));
  if (violations.length) {
    console.error(`${path.relative(process.cwd(), file)} does not match the Compose specification:\n  ${violations.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), file)} matches the Compose specification schema`);
}
