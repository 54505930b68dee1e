#!/usr/bin/env bash
# The production image's install and build steps, in one place: the Dockerfile runs them
# (`install`, then `build`) and CI runs them (`all`) on a fresh clone in a clean directory as
# a non-root user, so a broken image build fails CI without Docker.
#
#   scripts/image-build.sh install   # npm ci (strict lock) + prisma client generation
#   scripts/image-build.sh build     # compile dist/, bundle the console, drop devDependencies
#   scripts/image-build.sh check     # the runtime stage's contents, listed and checked
#   scripts/image-build.sh all       # the three above, then a smoke start of the runtime set
set -euo pipefail
cd "$(dirname "$0")/.."
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false

# What the Dockerfile's runtime stage copies from the build stage (keep the two in step).
RUNTIME_PATHS=(package.json package-lock.json node_modules dist bin prisma)

install() {
  npm ci --no-audit
}

build() {
  npm run build
  npm prune --omit=dev --ignore-scripts --no-audit
  npm cache clean --force >/dev/null 2>&1 || true
}

fail() { echo "image-build: $*" >&2; exit 1; }

check() {
  echo "image-build: runtime stage contents"
  for item in "${RUNTIME_PATHS[@]}"; do
    [ -e "$item" ] || fail "missing $item"
    printf '  %-18s %s\n' "$item" "$(du -sh "$item" | cut -f1)"
  done
  [ -f dist/cli/main.js ] || fail "dist/cli/main.js missing (TypeScript not compiled)"
  [ -f dist/main.js ] || fail "dist/main.js missing"
  [ -f dist/console/index.html ] && [ -f dist/console/console.js ] || fail "dist/console not bundled"
  [ -f dist/generated/prisma/client.js ] || fail "the compiled Prisma client is missing from dist/"
  ls prisma/migrations/*/migration.sql >/dev/null 2>&1 || fail "prisma/migrations missing"
  if find dist -name '*.ts' ! -name '*.d.ts' | grep -q .; then fail "TypeScript sources in dist/"; fi
  if find dist -name '*.test.js' | grep -q .; then fail "compiled tests in dist/"; fi
  # Production dependencies only: every package the lock marks dev-only must be gone after
  # the prune (a devDependency that a production package also needs, such as yaml, stays).
  local leftovers
  leftovers=$(node -e '
    const fs = require("fs");
    const packages = require("./package-lock.json").packages ?? {};
    const devOnly = Object.keys(packages).filter((key) => key.startsWith("node_modules/") && packages[key].dev === true);
    console.log(devOnly.filter((key) => fs.existsSync(`${key}/package.json`)).map((key) => key.slice(13)).join(" "));')
  [ -z "$leftovers" ] || fail "dev-only packages left in node_modules: $leftovers"
  # Optional peers of production packages (the prisma CLI and typescript, peers of
  # @prisma/client) are kept by npm's prune; listed so the image's size is no surprise.
  echo "image-build: optional peers kept by the prune: $(node -e '
    const fs = require("fs");
    const packages = require("./package-lock.json").packages ?? {};
    console.log(Object.keys(packages).filter((key) => key.startsWith("node_modules/") && packages[key].devOptional === true && fs.existsSync(`${key}/package.json`)).length);')"
  for name in $(node -e 'console.log(Object.keys(require("./package.json").dependencies).join(" "))'); do
    [ -f "node_modules/$name/package.json" ] || fail "production dependency $name missing"
  done
  echo "image-build: runtime stage checked (dist/, migrations, production dependencies only)"
}

# Copies the runtime set alone (as the runtime stage does) and runs the CLI from it.
smoke() {
  local stage data
  stage=$(mktemp -d) data=$(mktemp -d)
  trap 'rm -rf "$stage" "$data"' RETURN
  cp -a "${RUNTIME_PATHS[@]}" "$stage/"
  (cd "$stage" && NODE_ENV=production node bin/vigie.js --version)
  (cd "$stage" && NODE_ENV=production DATA_DIR="$data" node bin/vigie.js migrate)
  echo "image-build: the runtime set starts on its own (version, migrate on embedded PGlite)"
}

case "${1:-}" in
  install) install ;;
  build) build ;;
  check) check ;;
  all) install; build; check; smoke ;;
  *) echo "usage: $0 install|build|check|all" >&2; exit 2 ;;
esac
