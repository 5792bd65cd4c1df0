#!/usr/bin/env bash
# Class-data sharing in the kit's Storm image, all measured in this one run:
#   bdprov with the kit's archives (the default) and the same with them
#   switched off (BDPROV_CDS=off in every Storm role and in the `storm` job:
#   the JVMs run as Apache's storm.py starts them; a supervisor's setting
#   reaches its workers), rounds alternating, for the storm blueprint:
#   (a) `bdprov up storm` → ready (it returns once its probes pass: nimbus
#       leads, the supervisor registered, UI and logviewer answer);
#   (b) `bdprov submit storm` of Flux's word count → submitted (the job's
#       ConfigValue lookups map their archive; Flux's own client does not);
#   (c) the whole cluster's memory once ready (sum of its containers'
#       total_rss, cgroup v1), before the topology.
# Prints medians and the ratios (on/off).
#
# Needs a running swarm, the offline images (`bdprov images build storm`)
# and Flux's jar in the cache (the e2e_storm test downloads it, checked
# against templates/images/storm/examples.lock).
# Usage: bench/storm-cds.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
NAME=${BENCH_NAME:-benchstormcds}
FLUX=${BENCH_FLUX:-${BDPROV_CACHE:-$HOME/.cache/bdprov}/examples/flux-core-2.8.3.jar}
[ -r "$FLUX" ] || { echo "no Flux jar at $FLUX (run the e2e_storm test once, or set BENCH_FLUX)" >&2; exit 1; }
SETS=(--name "$NAME" --images local --set values.daemon_heap=256m --set values.worker_heap_mb=256
  --set zookeeper-readonly.ports.client.published=32181 --set ui.ports.ui.published=38081
  --set ui-web.ports.ui.published=38080 --set logviewer-web.ports.http.published=38000)
OFF=()
for r in nimbus supervisor ui logviewer jobs.storm; do OFF+=(--set "$r.env.BDPROV_CDS=off"); done
# shellcheck source=bench/lib.sh
. bench/lib.sh

teardown() {
  "$BDPROV" down "$NAME" --volumes >/dev/null 2>&1 || true
  wait_gone
}

# One round: up (timed), memory, submit (timed). Prints "UP MEM SUBMIT".
round() {
  local t0 t1 t2 up mem
  t0=$(now)
  "$BDPROV" up storm "${SETS[@]}" "$@" >"$OUT/storm-cds-up.log" 2>&1 || { cat "$OUT/storm-cds-up.log" >&2; exit 1; }
  t1=$(now)
  grep -q "is ready" "$OUT/storm-cds-up.log" || { echo "bdprov up returned but the cluster is not ready" >&2; exit 1; }
  up=$(elapsed "$t0" "$t1")
  mem=$(cluster_rss "bdprov.cluster=$NAME")
  t1=$(now)
  "$BDPROV" submit --cluster "$NAME" storm --jar "$FLUX" --class org.apache.storm.flux.Flux -- \
    --remote /apache-storm/examples/flux/wordcount.yaml >"$OUT/storm-cds-submit.log" 2>&1 ||
    { cat "$OUT/storm-cds-submit.log" >&2; exit 1; }
  t2=$(now)
  teardown
  echo "$up $mem $(elapsed "$t1" "$t2")"
}

teardown
echo "== storm, $ROUNDS rounds of: bdprov (archives on), bdprov (archives off); load $(cut -d' ' -f1-3 /proc/loadavg)"
ON_UP=() ON_MEM=() ON_SUB=() OFF_UP=() OFF_MEM=() OFF_SUB=()
for i in $(seq 1 "$ROUNDS"); do
  read -r u m s <<<"$(round)"
  ON_UP+=("$u") ON_MEM+=("$m") ON_SUB+=("$s")
  read -r u m s <<<"$(round "${OFF[@]}")"
  OFF_UP+=("$u") OFF_MEM+=("$m") OFF_SUB+=("$s")
  echo "  round $i: up on ${ON_UP[-1]}s / off ${OFF_UP[-1]}s; submit on ${ON_SUB[-1]}s / off ${OFF_SUB[-1]}s;" \
    "RSS on ${ON_MEM[-1]} / off ${OFF_MEM[-1]} MiB; load $(cut -d' ' -f1 /proc/loadavg)"
done

python3 - "$(median "${ON_UP[@]}")" "$(median "${OFF_UP[@]}")" "$(median "${ON_SUB[@]}")" "$(median "${OFF_SUB[@]}")" \
  "$(median "${ON_MEM[@]}")" "$(median "${OFF_MEM[@]}")" "$ROUNDS" <<'PY' | tee "$OUT/storm-cds-summary.txt"
import sys
on, off, son, soff, mon, moff, n = map(float, sys.argv[1:])
print(f"medians of {n:.0f}:")
print(f"(a) up → ready:   archives on {on:.2f}s  off {off:.2f}s   on/off {on / off:.2f}")
print(f"(b) submit storm: archives on {son:.2f}s  off {soff:.2f}s   on/off {son / soff:.2f}")
print(f"(c) cluster RSS:  archives on {mon:.0f} MiB  off {moff:.0f} MiB")
PY
