#!/usr/bin/env bash
# Produce throughput with metrics on vs off, in one run (not a test). Two brokers side by side on one machine:
#   on:  runnel server with its HTTP listener, its /metrics scraped once a second (as Prometheus would) all along;
#   off: runnel server with runnel.http.listeners= (no exporter listens to the meters, so recording is a flag check).
# kcat produces N x 100-byte records (acks=1, linger.ms=5) to one partition of each, in alternating rounds (off, on,
# off, on, ...) so drift of the machine hits both alike. Prints each round, the median records/s of each side and the
# difference (on relative to off; the goal is within 3%), and the broker CPU-seconds per million records of each side
# (read from /proc; steadier than records/s on a busy machine).
# Usage: bench/metrics-overhead.sh [records per round] [rounds per side]   (defaults 2000000 and 5)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000000}
rounds=${2:-5}
size=100

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v kcat >/dev/null || { sudo_if_needed apt-get update -q && sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q kcat; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }

python3 -c "
line = ('x' * ($size - 8))
with open('$work/records.txt', 'w') as f:
    for i in range($count):
        f.write(f'{i:08d}{line}\n')
"

./runnel --help >/dev/null   # build outside the measurement
start_broker() { # name http-listeners; sets port_<name>
  local port; port=$(free_port)
  ./runnel server --override listeners=PLAINTEXT://127.0.0.1:$port --override advertised.listeners=PLAINTEXT://127.0.0.1:$port \
    --override log.dirs="$work/$1" --override "runnel.http.listeners=$2" > "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do grep -q "started; clients bootstrap" "$work/$1.log" && break; sleep 0.1; done
  kcat -b 127.0.0.1:$port -L -t bench >/dev/null   # creates the topic (one partition)
  printf -v "port_$1" '%s' "$port"
  # ./runnel execs or runs the built executable as its child: measure that process.
  local exe; exe=$(pgrep -P "${pids[-1]}" -f runnel || echo "${pids[-1]}")
  printf -v "pid_$1" '%s' "$exe"
}
http_port=$(free_port)
start_broker off ""
start_broker on "http://127.0.0.1:$http_port"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$http_port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$http_port/metrics" >/dev/null || { echo "the metrics broker does not answer /metrics"; exit 1; }
( while sleep 1; do curl -s "http://127.0.0.1:$http_port/metrics" >/dev/null || true; done ) &
pids+=($!)

declare -a on_rates off_rates on_cpu off_cpu
for round in $(seq 1 "$rounds"); do
  for side in off on; do
    port_var="port_$side"
    pid_var="pid_$side"
    c0=$(cpu_seconds "${!pid_var}")
    t0=$(now)
    kcat -b 127.0.0.1:${!port_var} -t bench -p 0 -P -X acks=1 -X linger.ms=5 < "$work/records.txt"
    t1=$(now)
    c1=$(cpu_seconds "${!pid_var}")
    r=$(python3 -c "print(round($count / ($t1 - $t0)))")
    c=$(python3 -c "print(f'{($c1 - $c0) / $count * 1e6:.3f}')")
    echo "round $round, metrics $side: $r records/s, broker CPU $c s per million records"
    if [ "$side" = on ]; then on_rates+=("$r"); on_cpu+=("$c"); else off_rates+=("$r"); off_cpu+=("$c"); fi
  done
done
python3 - "${off_rates[*]}" "${on_rates[*]}" "${off_cpu[*]}" "${on_cpu[*]}" <<'PY'
import statistics, sys
off, on, off_cpu, on_cpu = (statistics.median(map(float, a.split())) for a in sys.argv[1:5])
print(f"median produce, metrics off: {off:,.0f} records/s, broker CPU {off_cpu:.3f} s per million records")
print(f"median produce, metrics on:  {on:,.0f} records/s, broker CPU {on_cpu:.3f} s per million records (scraped every second)")
print(f"difference (on vs off): throughput {(on - off) / off * 100:+.1f}%, broker CPU per record {(on_cpu - off_cpu) / off_cpu * 100:+.1f}%")
PY
curl -s "http://127.0.0.1:$http_port/metrics" | grep -E '^kafka_server_brokertopicmetrics_messagesin_total\{topic="bench"\}' || true
