#!/usr/bin/env bash
# Prepare a fresh Debian machine for bdprov: Docker engine (Debian's docker.io),
# a running dockerd, a single-node swarm, debootstrap, the bdprov binary and
# the offline images (cached between runs). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
  log "installing docker.io and debootstrap (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io debootstrap openssl curl >/dev/null
fi
# Only the tests need Maven (they check that scripts/maven-lock.sh regenerates
# the committed locks); building the images does not.
# The ssh:// tests (tests/engines.rs) start their own sshd on a spare localhost
# port with a throwaway config and keys; the system's sshd is not configured.
if [ -n "${BDPROV_TEST:-}" ] && [ ! -x /usr/sbin/sshd ]; then
  log "installing openssh-server (Debian package, for the ssh:// engine tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq openssh-server openssh-client >/dev/null
fi
if [ -n "${BDPROV_TEST:-}" ] && ! command -v mvn >/dev/null; then
  log "installing maven (Debian package, for the lock check)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq maven default-jdk-headless >/dev/null
fi

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  log "starting dockerd"
  as_root sh -c 'setsid nohup dockerd >/var/log/bdprov-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 1
  done
  docker version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})' >&2
fi

log "building bdprov"
cargo build --release --quiet
BDPROV="$PWD/target/release/bdprov"

log "swarm"
"$BDPROV" init --advertise-addr "${BDPROV_ADVERTISE_ADDR:-127.0.0.1}"

log "offline images (cached in ${BDPROV_CACHE:-~/.cache/bdprov} and in the engine)"
as_root "$BDPROV" images build
