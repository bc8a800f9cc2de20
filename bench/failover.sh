#!/usr/bin/env bash
# Failover time after kill -9 of a partition leader (a measurement, not a test): three combined nodes on network-
# namespace hosts (tests/Runnel.ClusterTests' rig, so root is needed), an RF3 topic with min.insync.replicas=2, Kafka's
# broker.session.timeout.ms (9 s). Each run kills the leader of one partition, (a) a node that is not the active
# controller or (b) the one that is, and times kill -> the first acks=all produce (librdkafka, default settings)
# acknowledged by the new leader; it also notes when the survivors' metadata named the new leader and, in (b), when a
# new active controller was agreed. Prints every run and p50/p99/max per case.
# Usage: bench/failover.sh [runs-not-controller] [runs-controller]   (defaults 20 and 10)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"
export RUNNEL_FAILOVER_RUNS=${1:-20}
export RUNNEL_FAILOVER_CONTROLLER_RUNS=${2:-10}
dotnet test tests/Runnel.ClusterTests --filter "FullyQualifiedName~FailoverMeasurement" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E '^\s*(run [0-9]+:|\((a|b)\)|kill -9 ->|failover: work|Passed|Failed|Error Message)' | sed 's/^ *//'
