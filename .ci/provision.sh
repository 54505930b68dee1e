#!/usr/bin/env bash
# Installs what the tests need from Debian: pgvector (built from trixie's source package
# into the local PostgreSQL), Chromium for the console's browser tests, and the network
# tools used by the network and QoS toolsets, and Prometheus Alertmanager for the incident tests. Idempotent and quick when already done.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
bash "$(dirname "$0")/provision-pgvector.sh"
missing=()
for pair in chromium:/usr/bin/chromium \
  iputils-ping:/usr/bin/ping fping:/usr/bin/fping iputils-tracepath:/usr/bin/tracepath iproute2:/usr/sbin/ip nftables:/usr/sbin/nft \
  snmpd:/usr/sbin/snmpd snmp:/usr/bin/snmpget python3-minimal:/usr/bin/python3 openssl:/usr/bin/openssl \
  iperf3:/usr/bin/iperf3 prometheus-alertmanager:/usr/bin/prometheus-alertmanager; do
  package=${pair%%:*}; binary=${pair#*:}
  [ -x "$binary" ] || missing+=("$package")
done
# Cluster tests (issue #20): Redis Sentinel failover and the python-socketio client of docs/realtime.md.
[ -x /usr/bin/redis-sentinel ] || missing+=(redis-sentinel)
[ -e /usr/lib/python3/dist-packages/socketio/__init__.py ] || missing+=(python3-socketio)
[ -e /usr/lib/python3/dist-packages/websocket/__init__.py ] || missing+=(python3-websocket)
if [ ${#missing[@]} -gt 0 ]; then
  echo "provision: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "provision: system packages ready"
