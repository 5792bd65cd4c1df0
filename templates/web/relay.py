# bdprov's read-only front for a web port that would otherwise take
# unauthenticated actions (Hadoop's simple authentication believes any
# `user.name`). It publishes the port in place of the daemon and forwards only
# GET and HEAD requests for the paths the blueprint allows, without the
# query parameters that choose a user; everything else is refused here.
#
# Environment: UPSTREAM (host:port on the overlay), LISTEN (port), ALLOW
# (whitespace-separated rules: `/exact`, `/prefix/*`, either optionally
# followed by `?param=A,B` to allow only those values of one parameter; a
# `+` segment stands for exactly one non-empty segment, so that
# `/api/v1/topology/+` passes a topology's page but not the actions below it,
# as Storm's UI takes some actions by GET), FOLLOW (optional, host:port
# words): redirects to these upstreams are followed here, on the overlay,
# whose names a client outside cannot resolve (a standby ResourceManager
# redirects to the active one's own address), FALLBACK (optional, rules as
# ALLOW): paths any member of FOLLOW answers alike (the active one's
# applications), asked of the others in turn when UPSTREAM does not answer,
# so that a front whose member is lost still serves them. METRICS
# (optional, a port): its answers counted for Prometheus there
# (relay_metrics.py, beside this file).
# Its own rather than nginx: it follows a standby's redirect on the overlay
# and falls back across a pair's members, which nginx's open-source build
# does not do, and it runs on Debian's python3, already in every kit image.
import http.client
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = os.environ["UPSTREAM"]
LISTEN = int(os.environ.get("LISTEN", "8080"))
# Parameters that pick the caller's identity (WebHDFS, YARN, Hadoop's
# pseudo authentication): dropped, so every request runs as the daemon's
# anonymous static user.
IDENTITY = {"user.name", "doas", "delegation"}
# Request headers worth passing on (Host, so that redirects point back here);
# cookies and credentials are not.
PASS_HEADERS = ("Host", "Accept", "Accept-Language", "If-Modified-Since", "If-None-Match", "Range")
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "set-cookie"}


def parse_rules(text):
    rules = []
    for word in text.split():
        path, _, query = word.partition("?")
        param, _, values = query.partition("=")
        prefix = path.endswith("*")
        rules.append((path.rstrip("*"), prefix, param.lower(), {v.upper() for v in values.split(",") if v}))
    return rules


RULES = parse_rules(os.environ.get("ALLOW", ""))
FOLLOW = os.environ.get("FOLLOW", "").split()
FALLBACK = parse_rules(os.environ.get("FALLBACK", ""))
REDIRECTS = {301, 302, 303, 307, 308}
# Methods counted by name; any other is counted as `other`, so that callers
# cannot make up series.
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}
# What counts an answer: relay_metrics.inc when METRICS is set.
count = lambda name, **labels: None


def matches(path, base, prefix):
    want = base.split("/")
    got = path.split("/")
    if "+" not in want:
        return path == base or (prefix and path.startswith(base))
    same = lambda w, g: w == g or (w == "+" and g != "")
    if prefix:
        return len(got) >= len(want) and all(map(same, want[:-1], got)) and got[len(want) - 1].startswith(want[-1])
    return len(got) == len(want) and all(map(same, want, got))


def allowed(path, query, rules=None):
    """None when the request may pass (by `rules`, ALLOW's by default), else why not."""
    decoded = urllib.parse.unquote(path)
    segments = decoded.split("/")
    if not decoded.startswith("/") or ".." in segments or "." in segments or ";" in decoded or "\\" in decoded:
        return "not a plain path"
    for base, prefix, param, values in RULES if rules is None else rules:
        if matches(decoded, base, prefix):
            if not param:
                return None
            given = [v.upper() for k, v in query if k.lower() == param]
            if given and all(v in values for v in given):
                return None
            return f"only {param}={','.join(sorted(values))} is served read-only here"
    return "this path is not served read-only"


class Unanswered(Exception):
    """A member did not answer: args are the answer to give (code, text, headers)."""


class Relay(BaseHTTPRequestHandler):
    server_version = "bdprov-relay"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.relay(body=True)

    def do_HEAD(self):
        self.relay(body=False)

    def refuse(self):
        self.answer(405, f"{self.command} is refused: this port is published read-only by bdprov (GET and HEAD only)\n", {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = refuse

    def answer(self, code, text, headers=None):
        data = text.encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def relay(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        why = allowed(url.path, query)
        if why:
            self.answer(403, f"{url.path}: {why}; publish the daemon's own port to reach it (see `bdprov doctor`)\n")
            return
        # The query as it came, less the parameters that pick a user.
        kept = "&".join(p for p in url.query.split("&") if p and urllib.parse.unquote_plus(p.partition("=")[0]).lower() not in IDENTITY)
        target = url.path + ("?" + kept if kept else "")
        headers = {h: self.headers[h] for h in PASS_HEADERS if self.headers.get(h)}
        # Its own member first; for FALLBACK paths, the others after it.
        others = [m for m in FOLLOW if m != UPSTREAM] if FALLBACK and allowed(url.path, query, FALLBACK) is None else []
        failed = None
        for start in [UPSTREAM] + others:
            try:
                resp, data = self.fetch(start, target, headers, patient=not others)
                break
            except Unanswered as e:
                failed = failed or e
        else:
            self.answer(*failed.args)
            return
        # Counted as the member's answer (log_request), not the front's.
        self.by = "member"
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def fetch(self, start, target, headers, patient):
        """(response, body) from `start`, following redirects among FOLLOW;
        Unanswered (with the answer to give) when a member does not answer."""
        upstream = start
        # A chain of redirects between members ends in a few hops.
        for hop in range(4):
            try:
                # The member a standby names may be the one that just died:
                # say so soon, the client asks again.
                conn = http.client.HTTPConnection(upstream, timeout=30 if hop == 0 and patient else 5)
                conn.request(self.command, target, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except OSError as e:
                if hop == 0:
                    raise Unanswered(502, f"{upstream} does not answer: {e}\n")
                raise Unanswered(503, f"{start} redirects to {upstream}, which does not answer: {e}\n", {"Retry-After": "5"})
            finally:
                conn.close()
            nxt = self.follow(resp)
            if nxt is None:
                break
            upstream, target = nxt
        return resp, data

    def follow(self, resp):
        """(upstream, target) of a redirect to one of FOLLOW for a path
        served here, else None (the client gets the redirect as it is)."""
        if resp.status not in REDIRECTS or not FOLLOW:
            return None
        loc = urllib.parse.urlsplit(resp.getheader("Location") or "")
        if loc.scheme != "http" or loc.netloc not in FOLLOW:
            return None
        query = urllib.parse.parse_qsl(loc.query, keep_blank_values=True)
        if allowed(loc.path or "/", query) or any(k.lower() in IDENTITY for k, _ in query):
            return None
        return loc.netloc, (loc.path or "/") + ("?" + loc.query if loc.query else "")

    def log_request(self, code="-", size="-"):
        method = self.command if self.command in METHODS else "other"
        # Who gave this answer: the member's, passed on, or the front's own
        # (a connection may carry several requests: read once, then gone).
        by = self.__dict__.pop("by", "front")
        count("bdprov_relay_requests_total", method=method, code=str(getattr(code, "value", code)), by=by)
        super().log_request(code, size)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


if __name__ == "__main__":
    if os.environ.get("METRICS"):
        import relay_metrics

        relay_metrics.counter(
            "bdprov_relay_requests_total",
            "Requests answered, by method, status code and who answered: the member (its own answer, passed on) or the front"
            " (403 and 405: refused; 502 and 503: no member answered; 400 and 501: not a request it serves).",
        )
        relay_metrics.serve(int(os.environ["METRICS"]), upstream=UPSTREAM, listen=str(LISTEN))
        count = relay_metrics.inc
    print(f"read-only relay: :{LISTEN} -> {UPSTREAM}, {len(RULES)} rules", flush=True)
    ThreadingHTTPServer(("", LISTEN), Relay).serve_forever()
