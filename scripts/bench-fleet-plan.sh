#!/usr/bin/env bash
# Fleet planning benchmark: CLUSTERS blueprints x POOLS pools, planned against the GKE
# emulator with LATENCY_MS added to every answer, once with clusters read concurrently
# (--parallelism 10) and once serialized (--parallelism 1). Prints wall times.
#
#   bash scripts/bench-fleet-plan.sh                 # 20 x 8, 50 ms, 3 runs each
#   CLUSTERS=50 LATENCY_MS=100 bash scripts/bench-fleet-plan.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTERS=${CLUSTERS:-20}
POOLS=${POOLS:-8}
LATENCY_MS=${LATENCY_MS:-50}
RUNS=${RUNS:-3}

# cargo says where the binary is (CARGO_TARGET_DIR and build.target-dir move it).
poolctl=$(cargo build --quiet --bin poolctl --message-format=json \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the emulator on a free loopback port; sets $endpoint and $emulator_pid.
start_emulator() {
  local latency=$1
  "$poolctl" emulator --listen 127.0.0.1:0 --state "$work/state" --operation-ms 10 \
    --latency-ms "$latency" --auto-create-clusters > "$work/emulator.out" 2>/dev/null &
  emulator_pid=$!
  for _ in $(seq 100); do
    endpoint=$(grep -o 'http://[0-9.:]*' "$work/emulator.out" 2>/dev/null || true)
    [ -n "$endpoint" ] && return 0
    sleep 0.05
  done
  echo "the emulator did not start" >&2
  exit 1
}

write_fleet() {
  mkdir -p "$work/fleet"
  for c in $(seq "$CLUSTERS"); do
    {
      printf '[cluster]\nprovider = "gke"\nname = "fleet-%02d"\nproject = "bench"\n' "$c"
      printf 'location = "europe-west1"\nendpoint = "%s"\n\n' "$1"
      # Two static pools (their size is read from the instance groups), the rest autoscaled.
      for p in $(seq "$POOLS"); do
        if [ "$p" -le 2 ]; then
          printf '[pools.core%d]\nclass = "core"\nmachine_type = "e2-standard-4"\nsize = 2\n' "$p"
          printf 'zones = ["europe-west1-b", "europe-west1-c"]\n\n'
        else
          printf '[pools.work%d]\nclass = "workload"\nmachine_type = "n2-highmem-16"\n' "$p"
          printf 'autoscale = { min = 0, max = 10 }\ntaints = ["work=%d:NoSchedule"]\n\n' "$p"
        fi
      done
    } > "$work/fleet/cluster-$(printf %02d "$c").toml"
  done
}

echo "Setting up $CLUSTERS clusters x $POOLS pools in the emulator..."
start_emulator 0
write_fleet "$endpoint"
ls "$work"/fleet/*.toml | xargs -P 4 -I{} "$poolctl" apply --auto-approve -f {} > /dev/null
kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true

start_emulator "$LATENCY_MS"
rm -rf "$work/fleet"; write_fleet "$endpoint"

millis() { date +%s%3N; }
time_plan() {
  local parallelism=$1 best="" start end took
  for _ in $(seq "$RUNS"); do
    start=$(millis)
    "$poolctl" plan --detailed-exitcode --parallelism "$parallelism" "$work/fleet" > "$work/plan.out"
    end=$(millis)
    took=$((end - start))
    grep -q "Fleet: $CLUSTERS clusters planned, 0 with changes, 0 failed" "$work/plan.out" \
      || { echo "unexpected plan:" >&2; tail -3 "$work/plan.out" >&2; exit 1; }
    if [ -z "$best" ] || [ "$took" -lt "$best" ]; then best=$took; fi
    printf '  --parallelism %-2s run: %5d ms\n' "$parallelism" "$took"
  done
  echo "$best" > "$work/best.$parallelism"
}

echo "Planning $CLUSTERS clusters x $POOLS pools, ${LATENCY_MS} ms per API answer, best of $RUNS:"
time_plan 10
time_plan 1
concurrent=$(cat "$work/best.10")
serial=$(cat "$work/best.1")
# Per cluster, the reads that must follow one another: list the pools, then (together)
# the instance groups of the static pools and the cluster itself when a pool names no zones.
echo
echo "concurrent (--parallelism 10): ${concurrent} ms"
echo "serialized (--parallelism 1):  ${serial} ms"
echo "speed-up: $(awk "BEGIN { printf \"%.1f\", $serial / $concurrent }")x"
