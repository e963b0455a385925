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

# The emulated cloud lives in .poolctl/emulator here, where the commands you run next from
# this folder find it. Each quickstart starts it empty, so the apply has work to show.
rm -rf .poolctl/emulator

echo
poolctl apply examples/quickstart.toml --auto-approve
echo
echo "--- second plan: the cluster now matches the blueprint ---"
poolctl plan examples/quickstart.toml --detailed-exitcode
echo
echo "The emulated cloud is in .poolctl/emulator: try 'cargo run -- plan examples/' next, or"
echo "edit examples/quickstart.toml and plan again. 'rm -rf .poolctl' starts afresh."
