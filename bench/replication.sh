#!/usr/bin/env bash
# Replication cost, in one run, interleaved (not a test): a single Runnel node (RF1, kcat acks=1) against three
# combined nodes on loopback (RF3, min.insync.replicas=2, kcat acks=all), each round producing N x 100-byte records
# to 3 partitions and consuming them back. Prints the median of the rounds for each and the RF3/RF1 ratios.
# Usage: bench/replication.sh [records] [rounds]   (defaults 1000000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
rounds=${2:-3}
size=100
command -v kcat >/dev/null || { echo "kcat is needed (apt-get install kcat)"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
wait_started() { for _ in $(seq 1 600); do grep -q "started; clients bootstrap" "$1" && return 0; sleep 0.1; done; echo "not started: $1"; tail -20 "$1"; exit 1; }

python3 -c "
line = 'x' * ($size - 8)
with open('$work/records.txt', 'w') as f:
    for i in range($count):
        f.write(f'{i:08d}{line}\n')
"
./runnel --help >/dev/null   # build outside the measurement

single=$(free_port)
./runnel server --override runnel.http.listeners= --override listeners=PLAINTEXT://127.0.0.1:$single --override advertised.listeners=PLAINTEXT://127.0.0.1:$single \
  --override log.dirs="$work/single" > "$work/single.log" 2>&1 &
pids+=($!)
wait_started "$work/single.log"

ports=($(free_port) $(free_port) $(free_port)); cports=($(free_port) $(free_port) $(free_port))
voters="1@127.0.0.1:${cports[0]},2@127.0.0.1:${cports[1]},3@127.0.0.1:${cports[2]}"
for i in 0 1 2; do
  ./runnel server --override runnel.http.listeners= --override process.roles=broker,controller --override node.id=$((i + 1)) --override cluster.id=benchReplication0000000 \
    --override controller.quorum.voters=$voters --override controller.listener.names=CONTROLLER \
    --override listeners=PLAINTEXT://127.0.0.1:${ports[$i]},CONTROLLER://127.0.0.1:${cports[$i]} \
    --override advertised.listeners=PLAINTEXT://127.0.0.1:${ports[$i]} --override log.dirs="$work/n$i" > "$work/n$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do wait_started "$work/n$i.log"; done
cluster="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"

results="$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for setup in rf1 rf3; do
    if [ $setup = rf1 ]; then bootstrap=127.0.0.1:$single; rf=1; acks=1; else bootstrap=$cluster; rf=3; acks=all; fi
    topic=bench-$setup-$round
    ./runnel topic create --topic $topic --partitions 3 --replication-factor $rf --config min.insync.replicas=$((rf > 1 ? 2 : 1)) --bootstrap-server ${bootstrap%%,*} >/dev/null
    t0=$(now)
    kcat -b "$bootstrap" -t $topic -P -X acks=$acks -X linger.ms=5 -X batch.num.messages=10000 < "$work/records.txt"
    t1=$(now)
    got=$(kcat -b "$bootstrap" -t $topic -C -o beginning -e -q -f '%s\n' | wc -l)
    t2=$(now)
    echo "$setup $(python3 -c "print($count / ($t1 - $t0), $got / ($t2 - $t1))")" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
med = {s: [statistics.median(float(r[i]) for r in rows if r[0] == s) for i in (1, 2)] for s in ("rf1", "rf3")}
print()
print(f"RF1 acks=1   produce {med['rf1'][0]:>12,.0f} records/s   consume {med['rf1'][1]:>12,.0f} records/s")
print(f"RF3 acks=all produce {med['rf3'][0]:>12,.0f} records/s   consume {med['rf3'][1]:>12,.0f} records/s")
print(f"RF3/RF1 ratio: produce {med['rf3'][0] / med['rf1'][0]:.2f}, consume {med['rf3'][1] / med['rf1'][1]:.2f} (medians of {len(rows) // 2} rounds)")
PY
