#!/usr/bin/env bash
# Proves the production image's build without Docker: clones the committed tree into a clean
# directory and runs scripts/image-build.sh all (the Dockerfile's install and build steps,
# the runtime stage's contents checked, a start of that set alone) as a non-root user.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/vigie-image-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-local "$PWD" "$work/vigie"
if [ "$(id -u)" = 0 ]; then
  # Root in CI: build as an unprivileged account, as the image's build stage could.
  id vigie-ci >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash vigie-ci
  chown -R vigie-ci "$work"
  chmod 755 "$work"
  runuser -u vigie-ci -- env HOME="$work" PATH="$PATH" CI=true bash "$work/vigie/scripts/image-build.sh" all
else
  env HOME="$work" CI=true bash "$work/vigie/scripts/image-build.sh" all
fi
