#!/bin/bash
# The official `storm` image's entrypoint contract: started as root with a
# `storm ...` command, own the data folders and drop to user storm; write a
# default $STORM_CONF_DIR/storm.yaml only if there is none (bdprov mounts
# its own, read-only); then run the command.
set -e

if [ "$1" = 'storm' ] && [ "$(id -u)" = '0' ]; then
    mkdir -p "$STORM_DATA_DIR" "$STORM_LOG_DIR"
    chown -R storm:storm "$STORM_DATA_DIR" "$STORM_LOG_DIR"
    # Not -R: storm.yaml may be a read-only mount.
    chown storm:storm "$STORM_CONF_DIR" 2>/dev/null || true
    exec setpriv --reuid=storm --regid=storm --init-groups "$0" "$@"
fi

CONFIG="$STORM_CONF_DIR/storm.yaml"
if [ ! -f "$CONFIG" ] && [ -w "$STORM_CONF_DIR" ]; then
    cat > "$CONFIG" <<EOC
storm.zookeeper.servers: [zookeeper]
nimbus.seeds: [nimbus]
storm.log.dir: "$STORM_LOG_DIR"
storm.local.dir: "$STORM_DATA_DIR"
EOC
fi

exec "$@"
