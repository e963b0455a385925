#!/usr/bin/env bash
# The quickstart: build poolctl, apply examples/quickstart.toml against the built-in
# emulator (no cloud account), then show that a second plan has nothing left to do.
set -euo pipefail
cd "$(dirname "$0")/.."

# A cold build takes a few minutes on a small machine: let cargo show its progress.
echo "Building poolctl (cargo build; the first build takes a few minutes)..."
cargo build --bin poolctl

# cargo finds the binary wherever it put it (CARGO_TARGET_DIR, build.target-dir).
poolctl() {
  cargo run --quiet --bin poolctl -- "$@"
}

# The emulated cloud lives in a folder of its own, emptied on each run, so the apply
# always has work to show and nothing else you applied with --emulator is touched.
export POOLCTL_EMULATOR_STATE=.poolctl/quickstart
rm -rf "$POOLCTL_EMULATOR_STATE"

echo
poolctl apply examples/quickstart.toml --auto-approve
echo
echo "--- second plan: the cluster now matches the blueprint ---"
poolctl plan examples/quickstart.toml --detailed-exitcode
