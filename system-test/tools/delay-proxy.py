#!/usr/bin/env python3
"""A TCP proxy for the network fault test (system-test/netfault/): what this kernel's missing
`netem` would do, plus what the test needs to see. Python stdlib only.

    delay-proxy.py --control DIR --events FILE NAME=LISTEN_HOST:PORT=UPSTREAM_HOST:PORT ...

One listener per NAME (a "link": one vendor's way from the daemon to its simulated server). Each
accepted connection gets its own upstream connection; bytes are copied both ways, in order.

Switches, read from files in DIR on every chunk (so a test in another network namespace flips
them without a socket of its own):
  NAME.delay  a number of seconds: every chunk, in each direction, is held this long after it
              arrived before it is passed on (latency, not a bandwidth limit: chunks that arrive
              together leave together). Absent: no delay.
  NAME.hold   a regular expression: the next response to a request whose line ("POST /api/login")
              matches it is cut in two: its head and the first half of its body pass, the rest
              (and whatever follows on that connection) is held until the file is deleted. One
              response per file written; the proxy logs `held` when it starts holding, so the test
              can put a blackhole in place while a response is half delivered, then delete the
              file to send the rest into it.

Events, one JSON object a line in FILE: `request` (line, and `presented`: a short hash of the
session token the request carried, if any), `response` (status, the request line it answers,
and `issued`: a short hash of the session token a login answer handed out, if any), `held`,
`released`, `open`, `close`. Token values never reach the file, only the first 12 hex digits of
their SHA-256, which is enough to match an issued token to its later use.
"""
import argparse
import asyncio
import hashlib
import itertools
import json
import os
import re
import sys
import time

# A login answer's session token: Veeam `access_token`, Unitrends `auth_token`, Commvault `token`
# (the `"` before the key keeps `refresh_token` out).
ISSUED = re.compile(rb'"(?:access_token|auth_token|token)"\s*:\s*"([^"]+)"')
# A request's session token: Unitrends `AuthToken`, Commvault `Authtoken: QSDK x`, Veeam `Bearer`.
PRESENTED = re.compile(rb"^(?:authtoken|authorization):[ \t]*(?:bearer[ \t]+|qsdk[ \t]+)?(\S+)", re.I | re.M)
QSDK = re.compile(rb"^QSDK\s+", re.I)


def digest(token):
    return hashlib.sha256(QSDK.sub(b"", token)).hexdigest()[:12]


class Events:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1)

    def log(self, link, conn, event, **fields):
        record = {"t": round(time.time(), 3), "link": link, "conn": conn, "ev": event}
        record.update(fields)
        self.file.write(json.dumps(record) + "\n")


class Switches:
    def __init__(self, directory, name):
        self.delay_path = os.path.join(directory, name + ".delay")
        self.hold_path = os.path.join(directory, name + ".hold")
        self.used_hold = None  # (mtime_ns, text) of the hold file already spent on a response

    def delay(self):
        try:
            with open(self.delay_path) as f:
                return max(0.0, float(f.read().strip() or 0))
        except (OSError, ValueError):
            return 0.0

    def take_hold(self, request_line):
        """True when a hold is armed for this request line; spends it."""
        try:
            stat = os.stat(self.hold_path)
            with open(self.hold_path) as f:
                text = f.read().strip()
        except OSError:
            return False
        key = (stat.st_mtime_ns, text)
        if key == self.used_hold or not re.search(text, request_line):
            return False
        self.used_hold = key
        return True

    def holding(self):
        return os.path.exists(self.hold_path)


class MessageReader:
    """Splits one direction of an HTTP/1.1 stream into messages (Content-Length bodies; a chunked
    or unframed body stops the parsing of that connection, never the copying)."""

    def __init__(self):
        self.buffer = b""
        self.offset = 0          # stream offset of buffer[0]
        self.head = None         # (first line, headers, head end offset, body length)
        self.broken = False

    def feed(self, data):
        """Yields ('head', first_line, headers, head_end, body_length) and
        ('message', first_line, headers, body) as they complete."""
        if self.broken:
            return
        self.buffer += data
        while True:
            if self.head is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buffer) > 65536:
                        self.broken = True
                    return
                raw = self.buffer[:end].decode("latin-1")
                first, _, rest = raw.partition("\r\n")
                headers = rest.encode("latin-1")
                length = re.search(rb"^content-length:[ \t]*(\d+)", headers, re.I | re.M)
                if length is None:
                    if re.search(rb"^transfer-encoding:", headers, re.I | re.M):
                        self.broken = True
                        return
                    body_length = 0
                else:
                    body_length = int(length.group(1))
                self.head = (first, headers, self.offset + end + 4, body_length)
                yield ("head", first, headers, self.offset + end + 4, body_length)
            first, headers, head_end, body_length = self.head
            start = head_end - self.offset
            if len(self.buffer) < start + body_length:
                return
            body = self.buffer[start:start + body_length] if body_length <= 1 << 20 else b""
            yield ("message", first, headers, body)
            consumed = start + body_length
            self.buffer = self.buffer[consumed:]
            self.offset += consumed
            self.head = None


class Connection:
    def __init__(self, proxy, name, conn_id, client, upstream):
        self.proxy, self.name, self.id = proxy, name, conn_id
        self.client_reader, self.client_writer = client
        self.up_reader, self.up_writer = upstream
        self.switches = proxy.switches[name]
        self.requests = []   # request lines waiting for their answer, in order

    def log(self, event, **fields):
        self.proxy.events.log(self.name, self.id, event, **fields)

    async def run(self):
        queues = (asyncio.Queue(), asyncio.Queue())
        tasks = [
            asyncio.create_task(self.read(self.client_reader, queues[0], self.on_request)),
            asyncio.create_task(self.write(queues[0], self.up_writer)),
            asyncio.create_task(self.read(self.up_reader, queues[1], self.on_response)),
            asyncio.create_task(self.write(queues[1], self.client_writer)),
        ]
        # Done when both directions are done, or at once when one side fails.
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in pending:
            task.cancel()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                self.log("error", error=type(task.exception()).__name__)
        for writer in (self.client_writer, self.up_writer):
            writer.close()
        self.log("close")

    async def read(self, reader, queue, parse):
        parser = MessageReader()
        end = 0          # bytes read so far on this direction
        hold_at = None   # stream offset where a hold starts, once a response asked for one
        while True:
            data = await reader.read(65536)
            release = time.monotonic() + self.switches.delay()
            if not data:
                await queue.put((release, None, False))
                return
            start, end = end, end + len(data)
            for item in parser.feed(data):
                offset = parse(item)
                if offset is not None and hold_at is None:
                    hold_at = offset
            if hold_at is not None and hold_at < end:
                cut = max(0, hold_at - start)
                hold_at = None
                if cut:
                    await queue.put((release, data[:cut], False))
                await queue.put((release, data[cut:], True))
            else:
                await queue.put((release, data, False))

    def on_request(self, item):
        if item[0] != "message":
            return None
        _, first, headers, _ = item
        line = " ".join(first.split(" ")[:2])
        self.requests.append(line)
        token = PRESENTED.search(headers)
        presented = digest(token.group(1)) if token and not token.group(1).lower().startswith(b"basic") else None
        self.log("request", line=line, presented=presented)
        return None

    def on_response(self, item):
        if item[0] == "head":
            _, first, _, head_end, body_length = item
            line = self.requests[0] if self.requests else ""
            if self.switches.take_hold(line):
                return head_end + body_length // 2
            return None
        _, first, headers, body = item
        line = self.requests.pop(0) if self.requests else ""
        parts = first.split(" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        token = ISSUED.search(body) if 200 <= status < 300 else None
        self.log("response", line=line, status=status, bytes=len(body),
                 issued=digest(token.group(1)) if token else None)
        return None

    async def write(self, queue, writer):
        while True:
            release, data, held = await queue.get()
            wait = release - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if held:
                self.log("held")
                while self.switches.holding():
                    await asyncio.sleep(0.05)
                self.log("released")
            if data is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()


class Proxy:
    def __init__(self, control, events):
        self.control = control
        self.events = Events(events)
        self.switches = {}
        self.ids = itertools.count(1)

    async def serve(self, name, listen, upstream):
        self.switches[name] = Switches(self.control, name)

        async def accept(reader, writer):
            conn_id = next(self.ids)
            try:
                up = await asyncio.open_connection(*upstream)
            except OSError as error:
                self.events.log(name, conn_id, "upstream-failed", error=str(error))
                writer.close()
                return
            self.events.log(name, conn_id, "open")
            await Connection(self, name, conn_id, (reader, writer), up).run()

        return await asyncio.start_server(accept, *listen)


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--control", required=True, help="directory of the switch files")
    parser.add_argument("--events", required=True, help="JSON-lines event log")
    parser.add_argument("links", nargs="+", help="NAME=LISTEN_HOST:PORT=UPSTREAM_HOST:PORT")
    args = parser.parse_args()
    proxy = Proxy(args.control, args.events)
    servers = []
    for link in args.links:
        name, listen, upstream = link.split("=")
        servers.append(await proxy.serve(name, address(listen), address(upstream)))
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
