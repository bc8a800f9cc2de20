#!/usr/bin/env bash
# What security costs, in one run, interleaved (not a test): kcat produces N x 100-byte records (acks=1, linger.ms=5)
# to one partition and consumes them back over a PLAINTEXT, an SSL and a SASL_SSL (SCRAM-SHA-512) listener of one
# broker, and, when `runnel acl` exists, over a second broker with the StandardAuthorizer on and prefixed ACLs granting
# the client (the cost of authorization per request). Each round measures every path once; prints the median records/s
# of each and the ratio to PLAINTEXT. Kafka loses zero-copy under TLS; Runnel copies on every path, so what TLS costs
# here is the encryption itself.
# Usage: bench/security.sh [records] [rounds]   (defaults 500000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-500000}
rounds=${2:-3}
size=100

command -v kcat >/dev/null || { echo "kcat is needed (apt install kcat)"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_started() { for _ in $(seq 1 600); do grep -q "started; clients bootstrap" "$1" && return 0; sleep 0.1; done; echo "not started: $1"; tail -20 "$1"; exit 1; }
now() { date +%s.%N; }

python3 -c "
line = 'x' * ($size - 8)
with open('$work/records.txt', 'w') as f:
    for i in range($count):
        f.write(f'{i:08d}{line}\n')
"
./runnel --help >/dev/null   # build outside the measurement
./runnel cert dev --dir "$work/certs" >/dev/null
certs="$work/certs"

plain=$(free_port); ssl=$(free_port); sasl=$(free_port)
jaas='org.apache.kafka.common.security.scram.ScramLoginModule required user_bench="bench-secret";'
./runnel server \
  --override "listeners=PLAINTEXT://127.0.0.1:$plain,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl" \
  --override "advertised.listeners=PLAINTEXT://127.0.0.1:$plain,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl" \
  --override ssl.keystore.type=PEM --override "ssl.keystore.location=$certs/broker.pem" \
  --override ssl.truststore.type=PEM --override "ssl.truststore.location=$certs/ca.pem" \
  --override listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512 \
  --override "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas" \
  --override runnel.http.listeners= --override log.dirs="$work/data" > "$work/broker.log" 2>&1 &
pids+=($!)
wait_started "$work/broker.log"

paths=(plaintext ssl sasl_ssl)
authz=""
if ./runnel acl --help >/dev/null 2>&1; then
  # The bench client is User:ANONYMOUS on PLAINTEXT; the ACLs are added by the super user admin over SASL_PLAINTEXT.
  authz=$(free_port); admin_port=$(free_port)
  ./runnel server --override "listeners=PLAINTEXT://127.0.0.1:$authz,SASL_PLAINTEXT://127.0.0.1:$admin_port" \
    --override "advertised.listeners=PLAINTEXT://127.0.0.1:$authz,SASL_PLAINTEXT://127.0.0.1:$admin_port" \
    --override listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN \
    --override 'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";' \
    --override authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer --override super.users=User:admin \
    --override runnel.http.listeners= --override log.dirs="$work/data-authz" > "$work/broker-authz.log" 2>&1 &
  pids+=($!)
  wait_started "$work/broker-authz.log"
  printf '%s\n' security.protocol=SASL_PLAINTEXT sasl.mechanism=PLAIN \
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";' > "$work/admin.properties"
  for op in Write Read Describe Create; do
    ./runnel acl add --allow-principal User:ANONYMOUS --operation "$op" --topic bench --resource-pattern-type prefixed \
      --bootstrap-server "127.0.0.1:$admin_port" --command-config "$work/admin.properties" >/dev/null
  done
  ./runnel acl add --allow-principal User:ANONYMOUS --operation Create --cluster \
    --bootstrap-server "127.0.0.1:$admin_port" --command-config "$work/admin.properties" >/dev/null
  paths+=(authorizer)
fi

args_for() {
  case "$1" in
    plaintext) echo "-b 127.0.0.1:$plain" ;;
    ssl) echo "-b 127.0.0.1:$ssl -X security.protocol=SSL -X ssl.ca.location=$certs/ca.pem" ;;
    sasl_ssl) echo "-b 127.0.0.1:$sasl -X security.protocol=SASL_SSL -X ssl.ca.location=$certs/ca.pem -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=bench -X sasl.password=bench-secret" ;;
    authorizer) echo "-b 127.0.0.1:$authz" ;;
  esac
}

results="$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for path in "${paths[@]}"; do
    topic=bench-$path-$round
    # shellcheck disable=SC2046
    kcat $(args_for "$path") -L -t "$topic" >/dev/null   # auto-creates the topic (one partition)
    t0=$(now)
    # shellcheck disable=SC2046
    kcat $(args_for "$path") -t "$topic" -p 0 -P -X acks=1 -X linger.ms=5 < "$work/records.txt"
    t1=$(now)
    # shellcheck disable=SC2046
    consumed=$(kcat $(args_for "$path") -t "$topic" -p 0 -C -o beginning -e -q -f '%s\n' | wc -l)
    t2=$(now)
    [ "$consumed" -eq "$count" ] || { echo "$path round $round: consumed $consumed of $count"; exit 1; }
    python3 -c "print('$path', $count / ($t1 - $t0), $count / ($t2 - $t1))" | tee -a "$results"
  done
done

python3 - "$results" "${paths[@]}" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
paths = sys.argv[2:]
produce = {p: statistics.median(float(r[1]) for r in rows if r[0] == p) for p in paths}
consume = {p: statistics.median(float(r[2]) for r in rows if r[0] == p) for p in paths}
print()
print(f"{'path (kcat, 100-byte records)':<34} {'produce rec/s':>14} {'vs plain':>9} {'consume rec/s':>14} {'vs plain':>9}")
for p in paths:
    print(f"{p:<34} {produce[p]:>14,.0f} {produce[p] / produce['plaintext']:>9.3f} {consume[p]:>14,.0f} {consume[p] / consume['plaintext']:>9.3f}")
print(f"(medians of {len(rows) // len(paths)} rounds)")
PY
