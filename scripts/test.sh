#!/usr/bin/env bash
# All tests on a fresh machine: set up Docker, the swarm and the offline
# images, then run unit, snapshot, compose and end-to-end tests (the latter
# against the real swarm).
set -euo pipefail
cd "$(dirname "$0")/.."
BDPROV_TEST=1 ./scripts/setup.sh
cargo test --all-targets
