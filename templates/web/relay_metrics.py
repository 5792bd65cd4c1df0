# Prometheus metrics of bdprov's read-only fronts (web/relay.py and
# zookeeper/relay.py, which import this file from beside them when METRICS
# is set): counters the relay keeps, served as Prometheus' text format at
# /metrics on port METRICS, on the cluster's overlay only (the blueprints
# never publish it). A scrape reads a few counters under a lock: it costs
# the front nothing it would notice.
#
# Hand-written rather than prometheus_client: the fronts run Debian's
# python3 alone (the relay image), and these few counters need no more.
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_help = {}
_counts = {}


def counter(name, text):
    """Declare a counter (its HELP line), before it is counted."""
    _help[name] = text


def inc(name, **labels):
    key = (name, tuple(sorted(labels.items())))
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _series(name, labels, value):
    if not labels:
        return name + " " + str(value)
    inner = ",".join(k + '="' + _label(v) + '"' for k, v in labels)
    return name + "{" + inner + "} " + str(value)


def text(info):
    """Every counter, and an info gauge with `info`'s labels."""
    lines = [
        "# HELP bdprov_relay_info The read-only front and the member it stands for.",
        "# TYPE bdprov_relay_info gauge",
        _series("bdprov_relay_info", sorted(info.items()), 1),
    ]
    with _lock:
        counts = sorted(_counts.items())
    for name in sorted(_help):
        lines += ["# HELP " + name + " " + _help[name], "# TYPE " + name + " counter"]
        lines += [_series(name, labels, value) for (n, labels), value in counts if n == name]
    return "\n".join(lines) + "\n"


class _Metrics(BaseHTTPRequestHandler):
    info = {}

    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404, "only /metrics here")
            return
        data = text(self.info).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def serve(port, **info):
    """Serve /metrics on `port` from a thread of its own."""
    handler = type("Metrics", (_Metrics,), {"info": info})
    server = ThreadingHTTPServer(("", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
