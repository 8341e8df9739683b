#!/usr/bin/env python3
"""The load test: wrk with 64 connections on /metrics for 60 s while 1,000 jobs are polled every 2 s.

Run it through load-test/run.sh (make load-test), which installs wrk and builds the release
binaries the .deb ships. It starts `backup-simulator --scale 1000` (50 simulated targets, the five
vendors in turn, every target polled every 2 s) and the daemon against it, waits until every target
has been polled twice, warms up with the same load for 10 s, then measures one run and fails
(exit 1) unless all of these hold:
  - wrk saw no failed request: no connect/read/write error, no timeout, no non-2xx answer;
  - a page fetched every 2 s during the run is complete (every target, build info) and answers
    in under 5 s;
  - polls stayed on schedule: every target started at least (seconds / 2 s) - 1 polls in the run,
    so no target lost more than one poll to the load;
  - the daemon's RSS after the run is within 10 % of before it.
"Before" is taken after the warm-up: the first scrapes allocate the page cache and per-connection
buffers once, and what this test guards against is growth while the load lasts (a leak, a queue
that grows faster than it drains), not that first allocation. The RSS before any scrape is
printed too.

Every process it starts is stopped at exit (Ctrl-C included); loopback only; every wait is bounded.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import bench  # noqa: E402  (process helpers, wrk parsing, /proc readers)

# run.sh points both at the release build the .deb ships (bench.py reads BENCH_EXPORTER itself).
bench.SIMULATOR = os.environ.get("BENCH_SIMULATOR", bench.SIMULATOR)


def start_world(jobs, interval, log_path):
    config = os.path.join(bench.WORK, "load.yaml")
    simulator = bench.start([bench.SIMULATOR, "--scale", str(jobs), "--targets", "50", "--interval", interval,
                             "--write-config", config], stdout=subprocess.PIPE, text=True)
    line = simulator.stdout.readline()
    if not line.startswith("ready"):
        raise SystemExit(f"simulator did not start: {line!r}")
    watched = int(line.split()[4])
    port = bench.free_port()
    storage = os.path.join(bench.WORK, "state")
    log = open(log_path, "w")
    daemon = bench.start([bench.EXPORTER, "--config.file", config, "--web.listen-address", f"127.0.0.1:{port}",
                          "--storage.path", storage, "--log.format", "logfmt"], stderr=log)
    return daemon, f"http://127.0.0.1:{port}/metrics", watched


class Sampler(threading.Thread):
    """Fetches the page every 2 s while wrk runs: completeness, latency, and the RSS peak."""

    def __init__(self, url, pid, targets):
        super().__init__(daemon=True)
        self.url, self.pid, self.targets = url, pid, targets
        self.stop = threading.Event()
        self.problems, self.latencies, self.peak_rss = [], [], 0

    def run(self):
        while not self.stop.wait(2):
            self.peak_rss = max(self.peak_rss, bench.rss_bytes(self.pid))
            started = time.time()
            try:
                page = bench.fetch(self.url, timeout=5).decode()
            except OSError as error:
                self.problems.append(f"fetch failed: {error}")
                continue
            self.latencies.append(time.time() - started)
            if "backup_exporter_build_info{" not in page or len(bench.target_table(page)) < self.targets:
                self.problems.append(f"incomplete page ({len(page)} bytes)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=2, help="seconds between polls of a target")
    parser.add_argument("--log", default=os.path.join(bench.WORK, "daemon.log"))
    opts = parser.parse_args()

    daemon, url, watched = start_world(opts.jobs, f"{opts.interval}s", opts.log)
    bench.wait_http(url)
    if not bench.wait_polled(url, watched, 2, 120):
        raise SystemExit("not every target was polled twice within 120 s")
    rss_cold = bench.rss_bytes(daemon.pid)
    bench.wrk(url, 10, connections=opts.connections)  # warm-up
    time.sleep(3)
    rss_before = bench.rss_bytes(daemon.pid)
    polls_before = bench.target_table(bench.fetch(url).decode())

    sampler = Sampler(url, daemon.pid, watched)
    sampler.start()
    result = bench.wrk(url, opts.seconds, pid=daemon.pid, connections=opts.connections)
    sampler.stop.set()
    sampler.join()
    polls_after = bench.target_table(bench.fetch(url).decode())
    time.sleep(3)
    rss_after = bench.rss_bytes(daemon.pid)

    expected = opts.seconds // opts.interval - 1
    started = {t: polls_after[t]["polls"] - polls_before.get(t, {}).get("polls", 0) for t in polls_after}
    late = {t: int(n) for t, n in started.items() if n < expected}
    growth = rss_after / rss_before - 1
    report = {
        "seconds": opts.seconds, "connections": opts.connections, "jobs": opts.jobs, "targets": watched,
        "interval_s": opts.interval, "requests": result["requests"], "rps": result["rps"],
        "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "wrk_errors": result["errors"],
        "daemon_cpu_s": result["server_cpu_s"],
        "polls_per_target_min": min(started.values()), "polls_per_target_max": max(started.values()),
        "polls_expected_at_least": expected, "targets_behind": late,
        "sampled_pages": len(sampler.latencies), "sampled_page_max_s": max(sampler.latencies, default=None),
        "sample_problems": sampler.problems,
        "rss_mib": {"cold": rss_cold / 2**20, "before": rss_before / 2**20, "peak": sampler.peak_rss / 2**20,
                    "after": rss_after / 2**20},
        "rss_growth": growth,
    }
    print(json.dumps(report, indent=2))

    failures = []
    if daemon.poll() is not None:
        failures.append(f"the daemon exited with {daemon.returncode}")
    if result["errors"] or result["requests"] == 0:
        failures.append(f"wrk: {result['errors'] or 'no requests'}")
    if sampler.problems or not sampler.latencies:
        failures.append(f"sampled pages: {sampler.problems or 'none fetched'}")
    if late or len(started) < watched:
        failures.append(f"polls behind schedule (at least {expected} expected): {late}")
    if abs(growth) > 0.10:
        failures.append(f"RSS {rss_before / 2**20:.1f} MiB before, {rss_after / 2**20:.1f} MiB after ({growth:+.1%})")
    summary = (f"{result['requests']} requests in {opts.seconds} s ({result['rps']:.0f}/s, p99 {result['p99_ms']:.0f} ms), "
               f"polls per target {int(min(started.values()))}..{int(max(started.values()))} (>= {expected}), "
               f"RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB ({growth:+.1%})")
    if failures:
        print("load test FAILED: " + "; ".join(failures) + f"\n{summary}\ndaemon log: {opts.log}", file=sys.stderr)
        sys.exit(1)
    print(f"load test passed: {summary}")


if __name__ == "__main__":
    main()
