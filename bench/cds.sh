#!/usr/bin/env bash
# Class-data sharing in the kit's Spark image, all measured in this one run:
#   bdprov with the kit's archives (the default), the same with them switched
#   off (BDPROV_CDS=off in every Spark role and job: the JVMs run as Apache's
#   scripts start them), and `docker stack deploy` of the same export
#   (`bdprov render --format compose`, archives on: the control measures the
#   orchestration, not the JVMs), for spark-standalone:
#   (a) command → all ready (master ALIVE with both workers, history server
#       answering), polled from outside with the same checks for the stack;
#   (b) `bdprov submit spark-pi` → result, in the cluster just brought up;
#   (c) the whole cluster's memory once ready (sum of its containers'
#       total_rss, cgroup v1), before the job.
# Prints medians and the ratios (on/off, on/stack).
#
# Needs a running swarm and the offline images (`bdprov images build spark`).
# Usage: bench/cds.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
NAME=${BENCH_NAME:-benchcds}
UI=${BENCH_UI:-38082}
HS=${BENCH_HS:-38182}
SETS=(--name "$NAME" --images local --set "master.ports.ui.published=$UI" --set "history.ports.ui.published=$HS")
OFF=()
for r in master worker history jobs.spark; do OFF+=(--set "$r.env.BDPROV_CDS=off"); done
# shellcheck source=bench/lib.sh
. bench/lib.sh

# One bdprov round: up (timed), memory, submit (timed). Prints "UP MEM SUBMIT".
bdprov_round() {
  local t0 t1 t2 up mem
  t0=$(now)
  "$BDPROV" up spark-standalone "${SETS[@]}" "$@" >/dev/null 2>"$OUT/cds-up.log"
  t1=$(now)
  cluster_ready || { echo "bdprov up returned but the cluster is not ready" >&2; exit 1; }
  up=$(elapsed "$t0" "$t1")
  mem=$(cluster_rss "bdprov.cluster=$NAME")
  t1=$(now)
  "$BDPROV" submit --cluster "$NAME" spark-pi --slices 10 >"$OUT/cds-pi.out" 2>/dev/null
  t2=$(now)
  grep -q '^Pi is roughly' "$OUT/cds-pi.out" || { echo "bdprov submit gave no result" >&2; exit 1; }
  teardown
  echo "$up $mem $(elapsed "$t1" "$t2")"
}

"$BDPROV" render spark-standalone "${SETS[@]}" --format compose --out "$STACK_DIR" 2>/dev/null
teardown
echo "== spark-standalone, $ROUNDS rounds of: bdprov (archives on), bdprov (archives off), stack deploy; load $(cut -d' ' -f1-3 /proc/loadavg)"
ON_UP=() ON_MEM=() ON_PI=() OFF_UP=() OFF_MEM=() OFF_PI=() ST_UP=() ST_MEM=()
for i in $(seq 1 "$ROUNDS"); do
  res=$(bdprov_round)
  read -r u m p <<<"$res"
  ON_UP+=("$u") ON_MEM+=("$m") ON_PI+=("$p")
  res=$(bdprov_round "${OFF[@]}")
  read -r u m p <<<"$res"
  OFF_UP+=("$u") OFF_MEM+=("$m") OFF_PI+=("$p")

  openssl rand -hex 32 | docker secret create "${NAME}_spark-auth" - >/dev/null
  t0=$(now)
  docker stack deploy -c "$STACK_DIR/compose.yaml" "$NAME" >/dev/null 2>&1
  until cluster_ready; do sleep 0.25; done
  t1=$(now)
  ST_UP+=("$(elapsed "$t0" "$t1")")
  ST_MEM+=("$(cluster_rss "com.docker.stack.namespace=$NAME")")
  teardown
  echo "  round $i: up on ${ON_UP[-1]}s / off ${OFF_UP[-1]}s / stack ${ST_UP[-1]}s;" \
    "spark-pi on ${ON_PI[-1]}s / off ${OFF_PI[-1]}s; RSS on ${ON_MEM[-1]} / off ${OFF_MEM[-1]} / stack ${ST_MEM[-1]} MiB;" \
    "load $(cut -d' ' -f1 /proc/loadavg)"
done

python3 - "$(median "${ON_UP[@]}")" "$(median "${OFF_UP[@]}")" "$(median "${ST_UP[@]}")" \
  "$(median "${ON_PI[@]}")" "$(median "${OFF_PI[@]}")" \
  "$(median "${ON_MEM[@]}")" "$(median "${OFF_MEM[@]}")" "$(median "${ST_MEM[@]}")" "$ROUNDS" <<'PY' | tee "$OUT/cds-summary.txt"
import sys
on, off, st, pon, poff, mon, moff, mst, n = map(float, sys.argv[1:])
print(f"medians of {n:.0f}:")
print(f"(a) up → ready:      archives on {on:.2f}s  off {off:.2f}s  stack deploy {st:.2f}s   on/off {on / off:.2f}  on/stack {on / st:.2f}  off/stack {off / st:.2f}")
print(f"(b) spark-pi:        archives on {pon:.2f}s  off {poff:.2f}s   on/off {pon / poff:.2f}")
print(f"(c) cluster RSS:     archives on {mon:.0f} MiB  off {moff:.0f} MiB  stack deploy {mst:.0f} MiB")
PY
