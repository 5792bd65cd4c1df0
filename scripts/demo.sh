#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, bring up spark-standalone
# with the offline images, and run SparkPi on it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BDPROV="$PWD/target/release/bdprov"
"$BDPROV" up spark-standalone --images local
"$BDPROV" submit spark-pi --slices 10
"$BDPROV" status
echo "the cluster keeps running; \`$BDPROV down\` removes it (volumes are kept)"
