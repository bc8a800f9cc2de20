#!/usr/bin/env bash
# Transactional producer throughput, in one run, interleaved (not a test): against one Runnel broker, Confluent.Kafka
# (librdkafka 2.16, bench/Runnel.Transactions.Bench) produces 100-byte records to one partition (acks=all, linger.ms=5)
# for about S seconds per measurement, from an idempotent non-transactional producer (flushed every 10,000 records)
# and from transactional ones committing every 1, 10 and 100 records. Each round measures every mode once; prints the
# median records/s and transactions/s of the rounds for each and the ratio to the idempotent producer.
# Usage: bench/transactions.sh [seconds] [rounds]   (defaults 5 and 3)
#        RUNNEL_OVERRIDES="key=value ..." adds broker --override settings (e.g. runnel.acks.all.fsync=false).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-3}
modes=(idempotent txn:1 txn:10 txn:100)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_started() { for _ in $(seq 1 600); do grep -q "started; clients bootstrap" "$1" && return 0; sleep 0.1; done; echo "not started: $1"; tail -20 "$1"; exit 1; }

./runnel --help >/dev/null   # build outside the measurement
dotnet build bench/Runnel.Transactions.Bench -c Release -o "$work/bench" --nologo -v quiet >/dev/null

port=$(free_port)
./runnel server --override listeners=PLAINTEXT://127.0.0.1:$port --override advertised.listeners=PLAINTEXT://127.0.0.1:$port \
  --override log.dirs="$work/data" $(for kv in ${RUNNEL_OVERRIDES:-}; do printf -- '--override %s ' "$kv"; done) > "$work/broker.log" 2>&1 &
pids+=($!)
wait_started "$work/broker.log"
bootstrap=127.0.0.1:$port

results="$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for mode in "${modes[@]}"; do
    topic=bench-${mode/:/-}-$round
    ./runnel topic create --topic "$topic" --partitions 1 --bootstrap-server "$bootstrap" >/dev/null
    "$work/bench/Runnel.Transactions.Bench" "$bootstrap" "$topic" "$mode" "$seconds" | tee -a "$results"
  done
done

python3 - "$results" "${modes[@]}" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
modes = sys.argv[2:]
med = {m: statistics.median(float(r[3]) for r in rows if r[0] == m) for m in modes}
base = med["idempotent"]
print()
print(f"{'producer':<34} {'records/s':>12} {'transactions/s':>15} {'vs idempotent':>14}")
for m in modes:
    label = "idempotent, non-transactional" if m == "idempotent" else f"transactional, {m[4:]} per transaction"
    txns = f"{med[m] / int(m[4:]):,.0f}" if m != "idempotent" else "-"
    print(f"{label:<34} {med[m]:>12,.0f} {txns:>15} {med[m] / base:>14.3f}")
print(f"(medians of {len(rows) // len(modes)} rounds)")
PY
