#!/usr/bin/env bash
# Coverage-guided fuzzing of bdprov's input handling (cargo-fuzz, libFuzzer).
#
#   scripts/fuzz.sh TARGET [SECONDS]     TARGET: blueprint | probe   (default 300 s)
#
# blueprint: YAML → includes → -f values → --set → validated blueprint → plan
#            → compose (bdprov::fuzz::load_blueprint; input format in src/fuzz.rs)
# probe:     probe JSON path matching (bdprov::fuzz::probe_json)
#
# Needs a nightly toolchain (rustup toolchain install nightly) or, failing
# that, RUSTC_BOOTSTRAP=1 with stable; and `cargo install cargo-fuzz`.
# The corpus grows in fuzz/corpus/TARGET (seeded from blueprints/, the test
# fixtures and fuzz/seeds/TARGET); a crash or timeout lands in
# fuzz/artifacts/TARGET: fix it, then copy the input to
# fuzz/regressions/TARGET/ so `cargo test` replays it from then on.
set -euo pipefail
target=${1:?usage: scripts/fuzz.sh blueprint|probe [SECONDS]}
seconds=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/fuzz/corpus/$target
mkdir -p "$corpus"
cp -n "$root"/fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
cp -n "$root"/fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null || true
if [ "$target" = blueprint ]; then
    for f in "$root"/blueprints/*.yaml "$root"/tests/fixtures/*.yaml "$root"/tests/fixtures/*/*.yaml; do
        cp -n "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
fi
toolchain=+nightly
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=
    export RUSTC_BOOTSTRAP=1
fi
cd "$root/fuzz"
# -a: debug assertions (overflow checks) on; -s none: no sanitizer (safe Rust);
# -timeout: an input that takes more than 2 s is a hang; -rss_limit_mb: so is 2 GB.
exec cargo $toolchain fuzz run -a -s none "$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
