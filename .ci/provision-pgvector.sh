#!/usr/bin/env bash
# Builds pgvector into the local PostgreSQL from Debian trixie's source package
# (Debian's PostgreSQL 15 ships no pgvector). Idempotent: does nothing when the
# extension is already installed.
set -euo pipefail
pg_major=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
pg_major=${pg_major:-15}
if [ -f "/usr/share/postgresql/${pg_major}/extension/vector.control" ]; then
  echo "provision: pgvector already installed for PostgreSQL ${pg_major}"
  exit 0
fi
uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -v security | head -1 | awk '{print $2}' || true)
uri=${uri:-http://deb.debian.org/debian}
cat > /etc/apt/sources.list.d/vigie-trixie-src.sources <<SRC
Types: deb-src
URIs: ${uri}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "postgresql-server-dev-${pg_major}" dpkg-dev make gcc >/dev/null
work=$(mktemp -d)
( cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1 && cd pgvector-*/ \
  && make -s PG_CONFIG="/usr/lib/postgresql/${pg_major}/bin/pg_config" >/dev/null \
  && make -s install PG_CONFIG="/usr/lib/postgresql/${pg_major}/bin/pg_config" >/dev/null )
rm -rf "$work"
echo "provision: pgvector built and installed for PostgreSQL ${pg_major}"
