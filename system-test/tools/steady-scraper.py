#!/usr/bin/env python3
"""Scrapes a URL every PERIOD seconds, one new connection and one request at a time, until the
file STOP_FILE exists; then prints one line of counts and exits 0.

Each request waits up to TIMEOUT seconds for its answer (a restart under socket activation makes
it wait in systemd's backlog). A refused connection (ECONNREFUSED), any other error and any status
other than 200 are counted apart, with the time of each, so the caller can tell "refused" from
"answered late". Usage: steady-scraper.py URL STOP_FILE [PERIOD] [TIMEOUT]
"""
import errno
import http.client
import os
import sys
import time
import urllib.parse

url, stop_file = sys.argv[1], sys.argv[2]
period = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
parts = urllib.parse.urlsplit(url)
counts = {"ok": 0, "refused": 0, "error": 0, "status": 0}
slowest = 0.0
events = []
start = time.monotonic()
while not os.path.exists(stop_file):
    began = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            counts["ok"] += 1
        else:
            counts["status"] += 1
            events.append(f"{began - start:.1f}s:HTTP {response.status}")
    except ConnectionRefusedError:
        counts["refused"] += 1
        events.append(f"{began - start:.1f}s:refused")
    except OSError as error:
        if getattr(error, "errno", None) == errno.ECONNREFUSED:
            counts["refused"] += 1
            events.append(f"{began - start:.1f}s:refused")
        else:
            counts["error"] += 1
            events.append(f"{began - start:.1f}s:{type(error).__name__}:{error}")
    except http.client.HTTPException as error:
        counts["error"] += 1
        events.append(f"{began - start:.1f}s:{type(error).__name__}:{error}")
    finally:
        connection.close()
    took = time.monotonic() - began
    slowest = max(slowest, took)
    time.sleep(max(0.0, period - took))
print(f"ok={counts['ok']} refused={counts['refused']} error={counts['error']} non200={counts['status']} "
      f"slowest={slowest:.1f}s events={' '.join(events[:10]) or 'none'}")
