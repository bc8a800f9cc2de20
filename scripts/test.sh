#!/usr/bin/env bash
# Installs everything the tests need that is missing (Debian packages: kcat, python3-kafka and its codecs, python3-confluent-kafka
# with python3-requests and python3-avro for its schema registry client,
# python3-websocket, chromium for the web console's browser tests, node/npm, prometheus for promtool (the /metrics test parses a scrape with it), and iproute2 and iptables for the cluster tests' network namespaces; npm packages:
# KafkaJS) and then runs every test in the solution. The cluster tests need root (CI runs as root); without it they
# fail with a message saying so.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
# ip, tc and iptables live in sbin, which a non-login root shell may not have on its PATH.
export PATH="$PATH:/usr/sbin:/sbin"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
# The web console's browser tests drive Debian's chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import kafka' 2>/dev/null || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || missing+=(python3-confluent-kafka)
/usr/bin/python3 -c 'import websocket' 2>/dev/null || missing+=(python3-websocket)
# The schema registry test: confluent_kafka's schema_registry client needs requests; Avro is python3-avro's.
/usr/bin/python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
/usr/bin/python3 -c 'import avro.io' 2>/dev/null || missing+=(python3-avro)
/usr/bin/python3 -c 'import snappy' 2>/dev/null || missing+=(python3-snappy)
/usr/bin/python3 -c 'import lz4.frame' 2>/dev/null || missing+=(python3-lz4)
/usr/bin/python3 -c 'import zstandard' 2>/dev/null || missing+=(python3-zstandard)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
{ command -v ip && command -v tc; } >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -e /usr/lib/x86_64-linux-gnu/liblz4.so.1 ] || [ -e /lib/x86_64-linux-gnu/liblz4.so.1 ] || missing+=(liblz4-1)
[ -e /usr/lib/x86_64-linux-gnu/libzstd.so.1 ] || [ -e /lib/x86_64-linux-gnu/libzstd.so.1 ] || missing+=(libzstd1)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

node_dir=tests/Runnel.IntegrationTests/Scripts/node
if [ ! -d "$node_dir/node_modules/kafkajs" ]; then
  echo "Installing KafkaJS (npm ci in $node_dir)"
  (cd "$node_dir" && npm ci --no-audit --no-fund)
fi

dotnet test Runnel.slnx "$@"
