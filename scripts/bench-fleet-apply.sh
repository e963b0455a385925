#!/usr/bin/env bash
# Fleet apply benchmark: CLUSTERS clusters x 6 pools (1 core, 5 workload) on each of
# GKE, AKS and EKS, created in one `poolctl apply` run against the emulator, every
# operation taking OPERATION_MS. Prints the wall time next to the critical path that
# the clouds' concurrency rules allow, as a ratio (1.00 would be perfect).
#
# Critical path of one cluster: its core pool first, then the 5 others, `p` at a time,
# where p is the cloud's per-cluster limit (GKE 1 by default, AKS 1, EKS 5). With every
# cluster applied at once (--parallelism >= clusters), the fleet's critical path is the
# longest cluster's.
#
#   bash scripts/bench-fleet-apply.sh                  # 20 x 6 per cloud, 2000 ms operations
#   CLUSTERS=5 OPERATION_MS=1000 bash scripts/bench-fleet-apply.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTERS=${CLUSTERS:-20}
OPERATION_MS=${OPERATION_MS:-2000}
OTHERS=5

poolctl=$(cargo build --quiet --bin poolctl --message-format=json \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$poolctl" emulator --listen 127.0.0.1:0 --state "$work/state" --operation-ms "$OPERATION_MS" \
  --auto-create-clusters > "$work/emulator.out" 2>/dev/null &
emulator_pid=$!
endpoint=""
for _ in $(seq 100); do
  endpoint=$(grep -o 'http://[0-9.:]*' "$work/emulator.out" 2>/dev/null || true)
  [ -n "$endpoint" ] && break
  sleep 0.05
done
[ -n "$endpoint" ] || { echo "the emulator did not start" >&2; exit 1; }

pools() {
  local core=$1 other=$2
  printf '[pools.core]\nclass = "core"\nmachine_type = "%s"\nautoscale = { min = 1, max = 3 }\n\n' "$core"
  for p in $(seq "$OTHERS"); do
    printf '[pools.work%d]\nclass = "workload"\nmachine_type = "%s"\n' "$p" "$other"
    printf 'autoscale = { min = 0, max = 10 }\ntaints = ["work=%d:NoSchedule"]\nlabels = { work = "w%d" }\n\n' "$p" "$p"
  done
}

mkdir -p "$work/fleet"
for c in $(seq -f '%02g' "$CLUSTERS"); do
  {
    printf '[cluster]\nprovider = "gke"\nname = "gke-%s"\nproject = "bench"\n' "$c"
    printf 'location = "europe-west1"\nendpoint = "%s"\n\n' "$endpoint"
    pools e2-standard-4 n2-highmem-16
  } > "$work/fleet/gke-$c.toml"
  {
    printf '[cluster]\nprovider = "aks"\nname = "aks-%s"\n' "$c"
    printf 'subscription = "00000000-0000-0000-0000-000000000000"\nresource_group = "bench"\n'
    printf 'endpoint = "%s"\n\n' "$endpoint"
    pools Standard_D4s_v5 Standard_E16s_v5 | sed 's/^\[pools.work/[pools.wk/'
  } > "$work/fleet/aks-$c.toml"
  {
    printf '[cluster]\nprovider = "eks"\nname = "eks-%s"\nregion = "eu-west-1"\n' "$c"
    printf 'endpoint = "%s"\n\n[cluster.eks]\n' "$endpoint"
    printf 'subnets = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]\n'
    printf 'node_role = "arn:aws:iam::123456789012:role/bench-nodes"\n\n'
    pools m6i.xlarge r6i.4xlarge
  } > "$work/fleet/eks-$c.toml"
done

total=$((CLUSTERS * 3))
echo "Applying $total clusters ($CLUSTERS per cloud) x $((OTHERS + 1)) pools, ${OPERATION_MS} ms per operation..."
start=$(date +%s%3N)
POOLCTL_EKS_AUTH=none "$poolctl" apply --auto-approve --json --parallelism "$total" "$work/fleet" \
  > "$work/report.json" 2> "$work/apply.err" || { tail -20 "$work/apply.err" >&2; exit 1; }
end=$(date +%s%3N)

python3 - "$work/report.json" "$((end - start))" "$OPERATION_MS" "$OTHERS" <<'PY'
import json, math, sys
report = json.load(open(sys.argv[1]))
wall_ms, op_ms, others = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
limits = {"gke": 1, "aks": 1, "eks": 5}
created = report["summary"]["created"]
assert report["summary"]["failed"] == 0, report["summary"]
print(f"created {created} pools, 0 failed\n")
print(f"{'cloud':<6}{'per-cluster limit':>18}{'critical path':>15}{'slowest cluster':>17}{'ratio':>8}")
fleet_path = 0.0
for cloud, limit in limits.items():
    path = (1 + math.ceil(others / limit)) * op_ms / 1000
    fleet_path = max(fleet_path, path)
    slowest = max(c["seconds"] for c in report["clusters"] if c["provider"] == cloud)
    print(f"{cloud:<6}{limit:>18}{path:>14.1f}s{slowest:>16.1f}s{slowest / path:>8.2f}")
wall = wall_ms / 1000
print(f"\nfleet: wall time {wall:.1f}s (plan, prompt-free apply and report), "
      f"critical path {fleet_path:.1f}s, ratio {wall / fleet_path:.2f}")
PY
