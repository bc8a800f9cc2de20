#!/usr/bin/env bash
# End-to-end throughput, in one run, side by side (not a test):
#   1. kcat produces N x 100-byte records (acks=1, linger.ms=5) to one partition of a Runnel broker, then
#      consumes them back; broker CPU time is read from /proc.
#   2. Redis Streams XADD with redis-benchmark (pipelined, no persistence), same count and size, as the reference.
# Prints records/s, MB/s, broker CPU-seconds per million records and the produce ratio Runnel/Redis.
# Usage: bench/produce-consume.sh [records]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
size=100

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
  sudo_if_needed apt-get update -q && sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

work=$(mktemp -d)
cleanup() {
  [ -n "${broker_pid:-}" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):,.0f}')"; }
mbps() { python3 -c "print(f'{$1 * $4 / ($3 - $2) / 1e6:,.1f}')"; }

echo "Preparing $count records of $size bytes..."
python3 -c "
import sys
line = ('x' * ($size - 8))
with open('$work/records.txt', 'w') as f:
    for i in range($count):
        f.write(f'{i:08d}{line}\n')
"

./runnel --help >/dev/null   # build outside the measurement
port=$(free_port)
./runnel server --override listeners=PLAINTEXT://127.0.0.1:$port --override advertised.listeners=PLAINTEXT://127.0.0.1:$port \
  --override log.dirs="$work/data" > "$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 100); do grep -q "started; clients bootstrap" "$work/broker.log" && break; sleep 0.1; done
broker_exe_pid=$(pgrep -P "$broker_pid" -f runnel || echo "$broker_pid")
kcat -b 127.0.0.1:$port -L -t bench >/dev/null   # creates the topic (one partition)

cpu0=$(cpu_seconds "$broker_exe_pid")
t0=$(now)
kcat -b 127.0.0.1:$port -t bench -p 0 -P -X acks=1 -X linger.ms=5 < "$work/records.txt"
t1=$(now)
cpu1=$(cpu_seconds "$broker_exe_pid")
kcat -b 127.0.0.1:$port -t bench -p 0 -C -o beginning -e -q -f '%s\n' > "$work/consumed.txt"
t2=$(now)
cpu2=$(cpu_seconds "$broker_exe_pid")
consumed=$(wc -l < "$work/consumed.txt")

rport=$(free_port)
redis-server --port "$rport" --save '' --appendonly no --daemonize no > "$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
value=$(python3 -c "print('x' * $size)")
r0=$(now)
redis-benchmark -p "$rport" -n "$count" -P 64 -c 1 -q XADD bench '*' v "$value" > "$work/redis.txt"
r1=$(now)

produce_rate=$(python3 -c "print($count / ($t1 - $t0))")
redis_rate=$(python3 -c "print($count / ($r1 - $r0))")
echo
echo "Runnel produce (kcat, acks=1, linger 5 ms, 1 partition): $(rate "$count" "$t0" "$t1") records/s, $(mbps "$count" "$t0" "$t1" "$size") MB/s, broker CPU $(python3 -c "print(f'{($cpu1 - $cpu0) / $count * 1e6:.2f}')") s per million"
echo "Runnel consume (kcat, from beginning):                  $(rate "$consumed" "$t1" "$t2") records/s, $(mbps "$consumed" "$t1" "$t2" "$size") MB/s, broker CPU $(python3 -c "print(f'{($cpu2 - $cpu1) / $count * 1e6:.2f}')") s per million ($consumed records)"
echo "Redis XADD (redis-benchmark -P 64, no persistence):     $(rate "$count" "$r0" "$r1") records/s, $(mbps "$count" "$r0" "$r1" "$size") MB/s"
echo "Produce ratio Runnel / Redis: $(python3 -c "print(f'{$produce_rate / $redis_rate:.2f}')")"
