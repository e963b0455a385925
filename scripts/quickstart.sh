#!/usr/bin/env bash
# The quickstart: build poolctl, apply examples/quickstart.toml against the built-in
# emulator (no cloud account), then show that a second plan has nothing left to do.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin poolctl
poolctl=target/debug/poolctl

# Each run starts from an empty emulated cluster, so the apply always has work to show.
rm -rf examples/.poolctl

"$poolctl" apply -f examples/quickstart.toml --auto-approve
echo
echo "--- second plan: the cluster now matches the blueprint ---"
"$poolctl" plan -f examples/quickstart.toml --detailed-exitcode
