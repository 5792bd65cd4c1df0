# Shared by the bench scripts: timing, medians, teardown checks.
# Expects NAME (the cluster and stack name) to be set by the caller.

# The binary measured (built if missing), where results go, and a scratch
# directory for exported stacks, removed on exit.
BDPROV=${BDPROV:-$PWD/target/release/bdprov}
[ -x "$BDPROV" ] || cargo build --release --quiet
OUT=bench/results
mkdir -p "$OUT"
STACK_DIR=$(mktemp -d)
trap 'rm -rf "$STACK_DIR"' EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
median() { python3 -c "import sys, statistics; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }
# The machine's busy CPU time so far, in seconds (user, nice, system, irq,
# softirq, steal from /proc/stat, in clock ticks): the difference over a command is what the
# whole machine spent on it (containers, dockerd, bdprov), whatever its cores.
busy_cpu() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{ printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat; }

# Until nothing of the cluster or the stack is left (services, network, containers).
wait_gone() {
  for _ in $(seq 1 240); do
    [ -z "$(docker service ls -q --filter "label=bdprov.cluster=$NAME")" ] &&
      [ -z "$(docker service ls -q --filter "label=com.docker.stack.namespace=$NAME")" ] &&
      [ -z "$(docker network ls -q --filter "name=^${NAME}-net$")" ] &&
      [ -z "$(docker ps -q --filter "label=com.docker.stack.namespace=$NAME")" ] &&
      [ -z "$(docker ps -q --filter "label=bdprov.cluster=$NAME")" ] && return 0
    sleep 0.5
  done
  echo "teardown did not finish" >&2
  return 1
}

# Sum of total_rss over the running containers carrying a label, in MiB.
cluster_rss() { # LABEL=VALUE
  local sum=0 id rss
  for id in $(docker ps -q --no-trunc --filter "label=$1"); do
    rss=$(awk '$1 == "total_rss" { print $2 }' "/sys/fs/cgroup/memory/docker/$id/memory.stat" 2>/dev/null || echo 0)
    sum=$((sum + ${rss:-0}))
  done
  echo $((sum / 1048576))
}

# The checks bdprov's probes make for spark-standalone, from the outside:
# the master ALIVE with both workers (its UI on $UI), the history server
# answering (on $HS).
cluster_ready() {
  curl -fsS --max-time 2 "http://127.0.0.1:$UI/json/" 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j.get("status")=="ALIVE" and j.get("aliveworkers")==2 else 1)' 2>/dev/null &&
    curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$HS/api/v1/applications" 2>/dev/null
}

# spark-standalone's teardown for bdprov and the stack alike (scripts of
# other blueprints define their own after sourcing this file).
teardown() {
  "$BDPROV" down "$NAME" --volumes >/dev/null 2>&1 || true
  docker stack rm "$NAME" >/dev/null 2>&1 || true
  wait_gone
  docker secret rm "${NAME}_spark-auth" >/dev/null 2>&1 || true
  docker volume rm "${NAME}_events" >/dev/null 2>&1 || true
}
