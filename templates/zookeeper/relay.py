# bdprov's read-only front for a ZooKeeper member's client port. ZooKeeper
# lets anyone who reaches that port create, change and delete znodes, so
# the member's own port stays on the overlay and this relay publishes it in
# its place. It reads the client's side of ZooKeeper's protocol frame by
# frame and passes only requests that read (exists, getData, getChildren,
# getACL, sync, ping, watches, close) and the whitelisted four-letter words;
# any other request closes the connection before the member sees it.
#
# Environment: UPSTREAM (host:port on the overlay), LISTEN (port), WORDS
# (four-letter words to pass, e.g. "srvr mntr ruok"), METRICS (optional, a
# port): connections and refusals counted for Prometheus there
# (relay_metrics.py, beside this file).
# Its own: no proxy in Debian's or PyPI's reach reads ZooKeeper's protocol
# to refuse writes frame by frame.
import os
import socket
import struct
import sys
import threading

UPSTREAM = os.environ["UPSTREAM"]
LISTEN = int(os.environ.get("LISTEN", "2181"))
WORDS = {w.encode() for w in os.environ.get("WORDS", "srvr mntr ruok").split()}
# ZooKeeper's OpCode values for requests that change nothing: exists,
# getData, getACL, getChildren, sync, ping, getChildren2, checkWatches,
# removeWatches, setWatches, getEphemerals, getAllChildrenNumber,
# setWatches2, addWatch, whoAmI, closeSession.
READS = {3, 4, 6, 8, 9, 11, 12, 17, 18, 101, 103, 104, 105, 106, 107, -11}
# The largest request frame passed on (ZooKeeper's own default is 1 MiB).
MAX_FRAME = 1 << 20
# What counts a connection or a refusal: relay_metrics.inc when METRICS is set.
count = lambda name, **labels: None


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def pump(src, dst):
    """Copy the member's answers back, as they come."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def refuse(client, reason, why):
    """Close `client` for `reason` (word, write, malformed), saying `why`."""
    count("bdprov_relay_refused_total", reason=reason)
    try:
        peer = client.getpeername()[0]
    except OSError:
        peer = "a client already gone"
    sys.stderr.write(f"{peer}: closed, {why}\n")


def serve(client):
    upstream = None
    try:
        head = read_exactly(client, 4)
        if head is None:
            return
        host, _, port = UPSTREAM.rpartition(":")
        if head.isalpha():
            # A four-letter word: the member answers and closes.
            if head not in WORDS:
                refuse(client, "word", f"four-letter word {head.decode()!r} is not served read-only")
                return
            upstream = socket.create_connection((host, int(port)), timeout=10)
            count("bdprov_relay_connections_total", kind="word")
            upstream.sendall(head)
            pump(upstream, client)
            return
        # The session's connect request comes first, with no request header.
        (length,) = struct.unpack(">i", head)
        body = read_exactly(client, length) if 0 < length <= MAX_FRAME else None
        if body is None:
            refuse(client, "malformed", "not a ZooKeeper connect request")
            return
        upstream = socket.create_connection((host, int(port)), timeout=10)
        count("bdprov_relay_connections_total", kind="session")
        upstream.settimeout(None)
        upstream.sendall(head + body)
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        while True:
            head = read_exactly(client, 4)
            if head is None:
                return
            (length,) = struct.unpack(">i", head)
            body = read_exactly(client, length) if 8 <= length <= MAX_FRAME else None
            if body is None:
                refuse(client, "malformed", "a malformed request")
                return
            _xid, op = struct.unpack(">ii", body[:8])
            if op not in READS:
                refuse(client, "write", f"request type {op} changes data and is not served read-only")
                return
            upstream.sendall(head + body)
    except OSError as e:
        count("bdprov_relay_errors_total")
        sys.stderr.write(f"{UPSTREAM}: {e}\n")
    finally:
        for s in (client, upstream):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


if __name__ == "__main__":
    if os.environ.get("METRICS"):
        import relay_metrics

        relay_metrics.counter("bdprov_relay_connections_total", "Connections passed to the member: sessions, and four-letter words.")
        relay_metrics.counter("bdprov_relay_refused_total", "Connections closed here: a word not served, a request that writes, a malformed one.")
        relay_metrics.counter("bdprov_relay_errors_total", "Connections that ended on a network error: the member could not be reached, or a socket failed while passing requests.")
        relay_metrics.serve(int(os.environ["METRICS"]), upstream=UPSTREAM, listen=str(LISTEN))
        count = relay_metrics.inc
    listener = socket.create_server(("", LISTEN), reuse_port=False)
    print(f"read-only ZooKeeper relay: :{LISTEN} -> {UPSTREAM}, words {sorted(w.decode() for w in WORDS)}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
