#!/bin/bash
# Like apache/spark's entrypoint for commands other than the Kubernetes
# driver/executor modes: run the given command as is.
set -e
if [ $# -eq 0 ]; then
  exec /bin/bash
fi
exec "$@"
