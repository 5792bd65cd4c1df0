#!/usr/bin/env bash
# All tests on a fresh machine: set up Docker, the swarm and the offline
# images, check formatting (rustfmt.toml) and lints (clippy), then run unit,
# snapshot, compose and end-to-end tests (the latter against the real swarm).
set -euo pipefail
cd "$(dirname "$0")/.."
BDPROV_TEST=1 ./scripts/setup.sh
# Style and lints first: they take seconds, the end-to-end tests minutes.
cargo fmt --check
cargo clippy --all-targets -- -D warnings
# Every test: the ignored ones are those that need Docker, the swarm or
# Maven Central (a plain `cargo test` is the fast tier without them).
# Each end-to-end test appends its time on the swarm to target/tmp/e2e-times.tsv
# (tests/common/mod.rs); printed at the end, slowest first, pass or fail.
times=target/tmp/e2e-times.tsv
rm -f "$times"
show_times() {
  if [ -s "$times" ]; then
    echo "== end-to-end tests, seconds on the swarm (slowest first)"
    sort -t "$(printf '\t')" -k2,2nr "$times" | awk -F '\t' '{ printf "%6s s  %-6s %s\n", $2, $3, $1 }'
  fi
}
trap show_times EXIT
cargo test --all-targets -- --include-ignored
