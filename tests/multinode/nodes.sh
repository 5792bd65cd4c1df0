#!/usr/bin/env bash
# A three-node swarm on this machine, for bdprov's multi-node test:
# Docker-in-Docker nodes (Debian's docker.io) on a bridge network, node 1 a
# manager whose engine listens with TLS on tcp://172.31.250.11:2376, nodes 2
# and 3 workers (or managers too, with --managers). Node 1 is labelled
# bdprov.role=master and trusts its own registry at 172.31.250.11:5000
# (insecure-registries), as every node does.
#
#   nodes.sh up [--managers] [--load-all] IMAGE…
#                   build the node image (cached), start the nodes, form the swarm,
#                   load the offline images into node 1 (--load-all: into every
#                   node, for pinned members that may land anywhere without a
#                   registry), write certs to $CERTS. --managers joins nodes 2
#                   and 3 as managers: three managers keep a quorum when one
#                   node is lost, so the control plane survives it too.
#   nodes.sh start N / stop N
#                   start or stop node N's engine (its container); its state
#                   (/var/lib/docker, its swarm membership) stays
#   nodes.sh down   remove the nodes, their volumes and the network
#
# `--privileged` does not work on these machines (no CAP_SYS_RESOURCE in the
# bounding set), so the nodes get every other capability explicitly.
set -euo pipefail
cd "$(dirname "$0")"

NET=bdprov-nodes
SUBNET=172.31.250.0/24
MANAGER_IP=172.31.250.11
IMAGE=bdprov-test/node:bookworm
CACHE=${BDPROV_CACHE:-$HOME/.cache/bdprov}
CERTS=${CERTS:-$CACHE/test-node-certs}
REGISTRY=$MANAGER_IP:5000
CAPS=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE
  NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN
  SYS_BOOT SYS_NICE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN
  SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ)

log() { printf '== nodes: %s\n' "$*" >&2; }

node_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  local tarball=$CACHE/test-node-rootfs.tar
  if [ ! -f "$tarball" ]; then
    log "debootstrap a node root filesystem (docker.io, iptables, iproute2)"
    local dir
    dir=$(mktemp -d "$CACHE/test-node-rootfs.XXXX")
    debootstrap --variant=minbase --include=docker.io,iptables,iproute2,ca-certificates,procps bookworm "$dir" \
      "${BDPROV_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$CACHE/test-node-debootstrap.log" 2>&1
    rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/*
    tar --numeric-owner -C "$dir" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$dir"
  fi
  docker import -c 'CMD ["dockerd"]' "$tarball" "$IMAGE" >/dev/null
}

certs() {
  [ -f "$CERTS/key.pem" ] && return
  log "TLS certificates in $CERTS"
  mkdir -p "$CERTS"
  (
    cd "$CERTS"
    openssl genrsa -out ca-key.pem 2048 2>/dev/null
    openssl req -new -x509 -days 3650 -key ca-key.pem -subj "/CN=bdprov test CA" -out ca.pem 2>/dev/null
    openssl genrsa -out server-key.pem 2048 2>/dev/null
    openssl req -new -key server-key.pem -subj "/CN=node1" -out server.csr 2>/dev/null
    printf 'subjectAltName = IP:%s,IP:127.0.0.1,DNS:node1\nextendedKeyUsage = serverAuth\n' "$MANAGER_IP" >server.ext
    openssl x509 -req -days 3650 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl genrsa -out key.pem 2048 2>/dev/null
    openssl req -new -key key.pem -subj "/CN=client" -out client.csr 2>/dev/null
    printf 'extendedKeyUsage = clientAuth\n' >client.ext
    openssl x509 -req -days 3650 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile client.ext -out cert.pem 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

start_node() {
  local n=$1 ip=$2
  shift 2
  local caps=()
  for c in "${CAPS[@]}"; do caps+=(--cap-add "$c"); done
  docker run -d --name "bdprov-node$n" --hostname "node$n" --network "$NET" --ip "$ip" "${caps[@]}" \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    --device-cgroup-rule 'a *:* rwm' --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run \
    -v "bdprov-node$n-docker:/var/lib/docker" -v "$CERTS:/certs:ro" --label bdprov-test=node \
    "$IMAGE" dockerd --insecure-registry "$REGISTRY" "$@" >/dev/null
}

in_node() { local n=$1; shift; docker exec "bdprov-node$n" "$@"; }

wait_engine() {
  for _ in $(seq 1 60); do in_node "$1" docker version >/dev/null 2>&1 && return; sleep 1; done
  log "engine of node $1 did not start"; docker logs "bdprov-node$1" | tail -20 >&2; exit 1
}

up() {
  local role=worker load=(1)
  while [ $# -gt 0 ]; do
    case "$1" in
      --managers) role=manager ;;
      --load-all) load=(1 2 3) ;;
      *) break ;;
    esac
    shift
  done
  mkdir -p "$CACHE"
  node_image
  certs
  down quiet
  docker network create --subnet "$SUBNET" "$NET" >/dev/null
  start_node 1 "$MANAGER_IP" --host unix:///var/run/docker.sock --host tcp://0.0.0.0:2376 \
    --tlsverify --tlscacert /certs/ca.pem --tlscert /certs/server-cert.pem --tlskey /certs/server-key.pem
  start_node 2 172.31.250.12
  start_node 3 172.31.250.13
  for n in 1 2 3; do wait_engine "$n"; done
  log "swarm: node 1 manager, nodes 2 and 3 ${role}s"
  in_node 1 docker swarm init --advertise-addr "$MANAGER_IP" >/dev/null
  local token
  token=$(in_node 1 docker swarm join-token -q "$role")
  in_node 2 docker swarm join --advertise-addr 172.31.250.12 --token "$token" "$MANAGER_IP:2377" >/dev/null
  in_node 3 docker swarm join --advertise-addr 172.31.250.13 --token "$token" "$MANAGER_IP:2377" >/dev/null
  in_node 1 docker node update --label-add bdprov.role=master node1 >/dev/null
  log "loading the offline images into node ${load[*]}"
  # One `docker save` for every node: saving is most of the cost.
  local tar
  tar=$(mktemp "$CACHE/test-node-images.XXXX")
  docker save -o "$tar" "$@"
  for n in "${load[@]}"; do docker exec -i "bdprov-node$n" docker load <"$tar" >/dev/null; done
  rm -f "$tar"
  log "ready: DOCKER_HOST=tcp://$MANAGER_IP:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CERTS"
}

down() {
  local ids
  ids=$(docker ps -aq --filter label=bdprov-test=node)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  for n in 1 2 3; do docker volume rm "bdprov-node$n-docker" >/dev/null 2>&1 || true; done
  docker network rm "$NET" >/dev/null 2>&1 || true
  [ "${1:-}" = quiet ] || log "removed"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  start) docker start "bdprov-node$2" >/dev/null && wait_engine "$2" ;;
  stop) docker stop -t 20 "bdprov-node$2" >/dev/null ;;
  down) down ;;
  *) echo "usage: $0 up [--managers] [--load-all] IMAGE… | start N | stop N | down" >&2; exit 2 ;;
esac
