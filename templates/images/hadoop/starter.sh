#!/usr/bin/env bash
# bdprov's Hadoop entrypoint (/opt/starter.sh), with the contract of the
# official apache/hadoop image's starter.sh:
#   SLEEP_SECONDS=n          sleep first
#   WAITFOR=host:port        wait (WAITFOR_TIMEOUT seconds, default 300) until it accepts connections
#   NAME.EXT_key=value       write $HADOOP_CONF_DIR/name.ext (whole file) from every such variable,
#                            e.g. CORE-SITE.XML_fs.defaultFS=hdfs://namenode:8020
#                            (.xml: a Hadoop <configuration>; .properties/.cfg/.conf/.ini: key=value;
#                            .yaml/.yml: key: value; .env: key=value; .sh: export key="value")
#   ENSURE_NAMENODE_DIR=dir  `hdfs namenode -format -force -nonInteractive` only when dir is missing
#                            (ENSURE_NAMENODE_CLUSTERID=id passes -clusterid)
#   ENSURE_STANDBY_NAMENODE_DIR=dir  `hdfs namenode -bootstrapStandby -nonInteractive` when missing
# then exec "$@" (e.g. `hdfs namenode`, `yarn resourcemanager`).
# Files mounted read-only (bdprov's configs) are left alone: a variable for
# such a file is reported and skipped.
set -e
export HADOOP_CONF_DIR=${HADOOP_CONF_DIR:-/opt/hadoop/etc/hadoop}

if [ -n "${SLEEP_SECONDS:-}" ]; then
  echo "starter: sleeping $SLEEP_SECONDS seconds"
  sleep "$SLEEP_SECONDS"
fi

if [ -n "${WAITFOR:-}" ]; then
  host=${WAITFOR%:*}
  port=${WAITFOR##*:}
  [ -n "$host" ] && [ -n "$port" ] && [ "$host" != "$WAITFOR" ] || { echo "starter: WAITFOR must be host:port, not '$WAITFOR'" >&2; exit 1; }
  echo "starter: waiting for $host:$port"
  left=${WAITFOR_TIMEOUT:-300}
  until nc -z -w 2 "$host" "$port" >/dev/null 2>&1; do
    left=$((left - 1))
    [ "$left" -gt 0 ] || { echo "starter: $host:$port did not answer in ${WAITFOR_TIMEOUT:-300} s" >&2; exit 1; }
    sleep 1
  done
  echo "starter: $host:$port is up"
fi

python3 - "$HADOOP_CONF_DIR" <<'PY'
import os, re, sys
from xml.sax.saxutils import escape

dest = sys.argv[1]
pattern = re.compile(r'^([A-Za-z0-9_.-]+)\.([A-Za-z0-9]+)_(.+)$', re.S)
files = {}
for name, value in os.environ.items():
    m = pattern.match(name)
    if not m:
        continue
    base, ext, key = m.group(1), m.group(2).lower(), m.group(3)
    if ext not in ("xml", "properties", "cfg", "conf", "ini", "yaml", "yml", "env", "sh"):
        continue
    files.setdefault((base.lower() + "." + ext, ext), []).append((key, value))

def render(ext, props):
    if ext == "xml":
        out = ['<?xml version="1.0"?>', "<!-- written by /opt/starter.sh from the environment -->", "<configuration>"]
        for k, v in props:
            out.append("  <property><name>%s</name><value>%s</value></property>" % (escape(k), escape(v)))
        out.append("</configuration>")
    elif ext in ("yaml", "yml"):
        out = ["%s: %s" % (k, v) for k, v in props]
    elif ext == "sh":
        out = ["export %s=\"%s\"" % (k, v.replace("\\", "\\\\").replace('"', '\\"')) for k, v in props]
    else:
        out = ["%s=%s" % (k, v) for k, v in props]
    return "\n".join(out) + "\n"

for (fname, ext), props in sorted(files.items()):
    props.sort()
    path = os.path.join(dest, fname)
    try:
        with open(path, "w") as f:
            f.write(render(ext, props))
        print("starter: wrote %s (%d entries)" % (path, len(props)))
    except OSError as e:
        print("starter: not writing %s (%s): keeping the file as it is" % (path, e.strerror), file=sys.stderr)
PY

if [ -n "${ENSURE_NAMENODE_DIR:-}" ] && [ ! -d "$ENSURE_NAMENODE_DIR" ]; then
  echo "starter: $ENSURE_NAMENODE_DIR is missing: formatting the NameNode"
  hdfs namenode -format -force -nonInteractive ${ENSURE_NAMENODE_CLUSTERID:+-clusterid "$ENSURE_NAMENODE_CLUSTERID"}
fi
if [ -n "${ENSURE_STANDBY_NAMENODE_DIR:-}" ] && [ ! -d "$ENSURE_STANDBY_NAMENODE_DIR" ]; then
  echo "starter: $ENSURE_STANDBY_NAMENODE_DIR is missing: bootstrapping the standby NameNode"
  hdfs namenode -bootstrapStandby -nonInteractive
fi

[ $# -gt 0 ] || { echo "starter: nothing to run (give a command, e.g. hdfs namenode)" >&2; exit 1; }
exec "$@"
