#!/usr/bin/env python3
"""The benchmark's driver (run it through bench/run.sh, which installs and builds first).

For each scale (jobs over 50 simulated targets, 5 vendors, polled every 10 s) it starts the
simulator, backup-exporter and the Python baseline against it, waits until every target has been
polled twice by both, then measures in this order, so that one measurement never runs while
another loads the machine:
  1. polling cost: CPU seconds (utime+stime from /proc/<pid>/stat) over a window, divided by the
     job polls done in it (each target's backup_target_polls_total delta times its jobs), and the
     wall time of a poll round per 10,000 jobs (sum of backup_target_poll_duration_seconds);
  2. memory: VmRSS at the end of that window;
  3. scrape: wrk -c8 against nginx serving the exporter's page as a static file, the exporter,
     the baseline, and (once) prometheus-node-exporter; rps, p50, p99, and the CPU the server
     spent per series rendered; then with `Accept-Encoding: gzip`, nginx `gzip_static` serving
     the same page compressed once against the exporter's own gzip;
  4. open loop (at 1,000 jobs, or the scales --open-loop names): a fixed rate of scrapes, as
     Prometheus sends them, plain then gzip, while the daemon keeps polling (bench/openloop.c:
     send times fixed in advance, latency from the scheduled time); p50, p99 and max.
Past the wrk scales (--big, 100,000 jobs in a full run, 200 jobs a target polled every 60 s): one
instance alone with the simulator, three scrapes plain and three gzip while it polls, each timed against Prometheus's default 10 s
scrape timeout, and its RSS.
Then, once: RSS idle with no targets, exec -> READY=1 with 100 targets (NOTIFY_SOCKET bound
here), and a vendor change (a target starting to answer 503) -> visible on /metrics.

Every process it starts is stopped at exit (also on Ctrl-C); only loopback addresses are used;
every wait is bounded.
"""
import argparse
import atexit
import gzip
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BENCH_EXPORTER runs another build (an older one, for a before/after comparison).
EXPORTER = os.environ.get("BENCH_EXPORTER", os.path.join(ROOT, ".build/release/backup-exporter"))
SIMULATOR = os.environ.get("BENCH_SIMULATOR", os.path.join(ROOT, ".build/release/backup-simulator"))
OPENLOOP_SOURCE = os.path.join(ROOT, "bench/openloop.c")
BASELINE = os.path.join(ROOT, "bench/baseline/exporter.py")
RESULTS = os.path.join(ROOT, "bench/results")
TICKS = os.sysconf("SC_CLK_TCK")
WORK = tempfile.mkdtemp(prefix="backup-exporter-bench-")
CHILDREN = []


def stop_all():
    for proc in reversed(CHILDREN):
        if proc.poll() is None:
            proc.terminate()
    deadline = time.time() + 5
    for proc in CHILDREN:
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
    CHILDREN.clear()


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def start(args, **kwargs):
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, **kwargs)
    CHILDREN.append(proc)
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in CHILDREN:
        CHILDREN.remove(proc)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_gzip(url, timeout=30):
    """The body as sent when gzip is asked for, and its Content-Encoding."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read(), response.headers.get("Content-Encoding")


def fetch(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def wait_http(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            fetch(url, timeout=5)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(pid):
    """CPU seconds of `pid` and its children (nginx: the master and its workers)."""
    total = cpu_seconds(pid)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                total += cpu_seconds(int(entry))
        except (OSError, ValueError, IndexError):
            pass  # gone between the listing and the read
    return total


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


SAMPLE = re.compile(r'^(backup_target_(?:polls_total|jobs|poll_duration_seconds))\{target="([^"]*)"[^}]*\} (\S+)$', re.M)


def target_table(page):
    """{target: {'polls': n, 'jobs': n, 'duration': s}} from a page of either exporter."""
    table = {}
    for name, target, value in SAMPLE.findall(page):
        key = {"backup_target_polls_total": "polls", "backup_target_jobs": "jobs",
               "backup_target_poll_duration_seconds": "duration"}[name]
        table.setdefault(target, {})[key] = float(value)
    return table


def series_count(page):
    return sum(1 for line in page.splitlines() if line and not line.startswith("#"))


def wait_polled(url, targets, times, seconds, jobs=0, pause=1, timeout=30):
    """True once every target has been polled `times` times and the page shows at least `jobs`
    jobs, asking every `pause` seconds; False after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        table = target_table(fetch(url, timeout=timeout).decode())
        if (len(table) >= targets and all(t.get("polls", 0) >= times and "jobs" in t for t in table.values())
                and sum(t.get("jobs", 0) for t in table.values()) >= jobs):
            return True
        time.sleep(pause)
    return False


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk(url, seconds, pid=None, connections=8, gzip=False):
    before = tree_cpu_seconds(pid) if pid else None
    header = ["-H", "Accept-Encoding: gzip"] if gzip else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"] + header + [url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    spent = tree_cpu_seconds(pid) - before if pid else None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    return {"rps": rps, "requests": requests, "p50_ms": pct.get("50", 0) * 1000, "p99_ms": pct.get("99", 0) * 1000,
            "server_cpu_s": spent, "errors": errors.group(0) if errors else None}


def build_openloop():
    binary = os.path.join(WORK, "openloop")
    compiler = next((c for c in ("cc", "gcc", "clang") if subprocess.run(["sh", "-c", f"command -v {c}"], capture_output=True).returncode == 0), None)
    if compiler is None:
        raise SystemExit("no C compiler (cc, gcc or clang) for bench/openloop.c")
    subprocess.run([compiler, "-O2", "-o", binary, OPENLOOP_SOURCE], check=True)
    return binary


def open_loop(port, rate, seconds, gzip):
    """Scrapes at `rate` per second for `seconds`, send times fixed in advance (bench/openloop.c)."""
    args = [OPENLOOP, "127.0.0.1", str(port), "/metrics", str(rate), str(seconds)] + (["gzip"] if gzip else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    result = json.loads(out)
    result.update({"rate": rate, "seconds": seconds})
    return result


OPENLOOP = None


def start_nginx(root, port):
    prefix = os.path.join(WORK, "nginx")
    os.makedirs(prefix, exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fcgi;
  uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  types {{ text/plain txt; }}
  gzip_static on;
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
""")
    user = [] if os.geteuid() != 0 else ["-g", "daemon off; user root;"]
    proc = start(["nginx", "-p", prefix, "-c", conf] + (user or ["-g", "daemon off;"]),
                 stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/metrics.txt")
    return proc


def start_simulator(jobs, targets=50, interval="10s"):
    config = os.path.join(WORK, f"config-{jobs}-{targets}.yaml")
    listing = os.path.join(WORK, f"targets-{jobs}-{targets}.json")
    proc = start([SIMULATOR, "--scale", str(jobs), "--targets", str(targets), "--interval", interval,
                  "--write-config", config, "--write-targets", listing], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("ready"):
        raise SystemExit(f"simulator did not start: {line!r}")
    return proc, config, listing, int(line.split()[4])


def start_exporter(config, port, env=None):
    storage = tempfile.mkdtemp(dir=WORK, prefix="state-")
    return start([EXPORTER, "--config.file", config, "--web.listen-address", f"127.0.0.1:{port}",
                  "--storage.path", storage, "--log.level", "error"], env=env, stderr=subprocess.DEVNULL)


def job_polls(before, after):
    polls = 0.0
    for target, row in after.items():
        polls += (row.get("polls", 0) - before.get(target, {}).get("polls", 0)) * row.get("jobs", 0)
    return polls


def poll_wall_per_10k(table):
    jobs = sum(r.get("jobs", 0) for r in table.values())
    return sum(r.get("duration", 0) for r in table.values()) / jobs * 10000 if jobs else None


def measure_scale(jobs, opts, python):
    print(f"== {jobs} jobs over 50 targets (ECLYPSE targets without a job are left out)", flush=True)
    sim, config, listing, watched = start_simulator(jobs)
    ours_port, py_port, nginx_port = free_port(), free_port(), free_port()
    ours = start_exporter(config, ours_port)
    base = start([python, BASELINE, listing, str(py_port), "10"], stderr=subprocess.DEVNULL)
    ours_url, py_url = f"http://127.0.0.1:{ours_port}/metrics", f"http://127.0.0.1:{py_port}/metrics"
    wait_http(ours_url)
    wait_http(py_url)
    warm = opts.warmup
    ok_ours = wait_polled(ours_url, watched, 2, warm)
    ok_py = wait_polled(py_url, watched, 2, warm)
    result = {"jobs": jobs, "targets": watched, "warm": {"ours": ok_ours, "python": ok_py}}

    # 1 + 2: polling cost and memory, nothing else running but the polls.
    pages = {}
    t_ours, t_py = target_table(fetch(ours_url).decode()), target_table(fetch(py_url).decode())
    c_ours, c_py = cpu_seconds(ours.pid), cpu_seconds(base.pid)
    started = time.time()
    time.sleep(opts.window)
    c_ours, c_py = cpu_seconds(ours.pid) - c_ours, cpu_seconds(base.pid) - c_py
    wall = time.time() - started
    rss_ours, rss_py = rss_bytes(ours.pid), rss_bytes(base.pid)
    pages["ours"], pages["python"] = fetch(ours_url).decode(), fetch(py_url).decode()
    a_ours, a_py = target_table(pages["ours"]), target_table(pages["python"])
    jp_ours, jp_py = job_polls(t_ours, a_ours), job_polls(t_py, a_py)
    result["polling"] = {
        "window_s": round(wall, 1),
        "ours": {"cpu_s": c_ours, "job_polls": jp_ours, "cpu_s_per_10k_job_polls": c_ours / jp_ours * 1e4 if jp_ours else None,
                 "wall_s_per_10k_jobs": poll_wall_per_10k(a_ours)},
        "python": {"cpu_s": c_py, "job_polls": jp_py, "cpu_s_per_10k_job_polls": c_py / jp_py * 1e4 if jp_py else None,
                   "wall_s_per_10k_jobs": poll_wall_per_10k(a_py)},
    }
    result["rss"] = {"ours": rss_ours, "python": rss_py}

    # 3: scrape. The page nginx serves is the exporter's own, byte for byte.
    root = os.path.join(WORK, f"www-{jobs}")
    os.makedirs(root, exist_ok=True)
    os.chmod(WORK, 0o755)
    os.chmod(root, 0o755)
    with open(os.path.join(root, "metrics.txt"), "w") as f:
        f.write(pages["ours"])
    os.chmod(os.path.join(root, "metrics.txt"), 0o644)
    # gzip_static: nginx sends metrics.txt.gz, compressed once here (zlib's default level, as the
    # daemon uses), to a client that asks for gzip: the limit for a compressed scrape.
    with gzip.open(os.path.join(root, "metrics.txt.gz"), "wb", compresslevel=6) as f:
        f.write(pages["ours"].encode())
    os.chmod(os.path.join(root, "metrics.txt.gz"), 0o644)
    nginx = start_nginx(root, nginx_port)
    nginx_url = f"http://127.0.0.1:{nginx_port}/metrics.txt"
    series = {"ours": series_count(pages["ours"]), "python": series_count(pages["python"])}
    sent = {name: fetch_gzip(url) for name, url in (("nginx", nginx_url), ("ours", ours_url))}
    for name, (body, coding) in sent.items():
        if coding != "gzip":
            raise SystemExit(f"{name} did not answer gzip when asked (Content-Encoding: {coding})")
    result["page"] = {"ours_bytes": len(pages["ours"]), "ours_series": series["ours"], "python_series": series["python"],
                      "ours_gzip_bytes": len(sent["ours"][0]), "nginx_gzip_bytes": len(sent["nginx"][0])}
    # The Python baseline is stopped (SIGSTOP) while nginx and the daemon are measured: at 10,000
    # jobs its polling takes about one of the two cores for the whole scale, which neither of them
    # should share. The daemon goes on polling; it is measured as it runs.
    os.kill(base.pid, signal.SIGSTOP)
    try:
        scrape = {"nginx": wrk(nginx_url, opts.wrk_seconds, pid=nginx.pid),
                  "nginx_gzip": wrk(nginx_url, opts.wrk_seconds, pid=nginx.pid, gzip=True)}
        stop(nginx)
        scrape["ours"] = wrk(ours_url, opts.wrk_seconds, pid=ours.pid)
        scrape["ours_gzip"] = wrk(ours_url, opts.wrk_seconds, pid=ours.pid, gzip=True)
    finally:
        # Continued whatever happened: a stopped baseline would not end on stop_all's SIGTERM.
        os.kill(base.pid, signal.SIGCONT)
    scrape["python"] = wrk(py_url, opts.wrk_seconds, pid=base.pid)
    if scrape["python"]["requests"] == 0:
        # Slower than the whole wrk run (10,000 jobs): time sequential scrapes instead.
        before, began, count = cpu_seconds(base.pid), time.monotonic(), 0
        while count < 3:
            fetch(py_url, timeout=120)
            count += 1
        took = time.monotonic() - began
        scrape["python"].update({"rps": count / took, "requests": count, "p50_ms": took / count * 1000,
                                 "p99_ms": took / count * 1000, "server_cpu_s": cpu_seconds(base.pid) - before,
                                 "note": "sequential scrapes: none finished within the wrk run"})
    for name in ("nginx", "nginx_gzip", "ours", "ours_gzip", "python"):
        s = scrape[name]
        s["series"] = series["python" if name == "python" else "ours"]
        s["cpu_us_per_series"] = s["server_cpu_s"] / (s["requests"] * s["series"]) * 1e6 if s["requests"] else None
    result["scrape"] = scrape
    # 4: open loop, the daemon alone with the simulator (the baseline stopped), still polling.
    stop(base)
    if jobs in opts.open_loop:
        result["open_loop"] = {coding: open_loop(ours_port, opts.rate, opts.open_seconds, coding == "gzip")
                               for coding in ("plain", "gzip")}
    stop(ours)
    stop(sim)
    print(json.dumps(result, indent=1), flush=True)
    return result


def measure_big(jobs, opts):
    """One instance at a scale past the wrk runs: is the page served within Prometheus's default
    10 s scrape timeout, plain and gzip, while polling, and what does the daemon hold in memory.
    The jobs are spread over 10 times the targets, 200 a target as at 10,000 jobs, each polled
    every 60 s: 2,000 jobs a target time out in any vendor's poll (per-job session requests), and
    100,000 job polls every 10 s is more CPU than two cores have."""
    targets = max(50, jobs // 200)
    print(f"== {jobs} jobs over {targets} targets polled every 60 s, one instance (scrape time and RSS only)", flush=True)
    sim, config, _, watched = start_simulator(jobs, targets=targets, interval="60s")
    port = free_port()
    ours = start_exporter(config, port)
    url = f"http://127.0.0.1:{port}/metrics"
    wait_http(url)
    began = time.monotonic()
    # Every job on the page too: Commvault and Unitrends list a job only once it has run, and
    # at 200 jobs a target some have not run by a target's second poll (99,934 of 100,000 seen
    # in one run of 2026-12-04).
    polled = wait_polled(url, watched, 2, opts.big_warmup, jobs=jobs, pause=10, timeout=120)
    result = {"jobs": jobs, "targets": watched, "warm": polled, "warm_s": round(time.monotonic() - began, 1)}
    scrapes = {"plain": [], "gzip": []}
    size = {}
    for _ in range(3):
        for coding in scrapes:
            started = time.monotonic()
            if coding == "gzip":
                body, encoding = fetch_gzip(url, timeout=120)
                if encoding != "gzip":
                    raise SystemExit(f"no gzip at {jobs} jobs (Content-Encoding: {encoding})")
            else:
                body = fetch(url, timeout=120)
            scrapes[coding].append(time.monotonic() - started)
            size[coding] = len(body)
            if coding == "plain":
                result["series"] = series_count(body.decode())
            del body
        time.sleep(2)
    result["scrape_s"] = {coding: [round(x, 3) for x in runs] for coding, runs in scrapes.items()}
    result["bytes"] = size
    result["rss"] = rss_bytes(ours.pid)
    page = fetch(url, timeout=120).decode()
    result["jobs_seen"] = sum(t.get("jobs", 0) for t in target_table(page).values())
    result["targets_up"] = len(re.findall(r"^backup_target_up\{.*\} 1$", page, re.M))
    del page
    stop(ours)
    stop(sim)
    print(json.dumps(result, indent=1), flush=True)
    return result


def node_exporter(opts):
    port = free_port()
    proc = start(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    wait_http(url)
    series = series_count(fetch(url).decode())
    s = wrk(url, opts.wrk_seconds, pid=proc.pid)
    stop(proc)
    s["series"] = series
    s["cpu_us_per_series"] = s["server_cpu_s"] / (s["requests"] * series) * 1e6 if s["requests"] else None
    return s


def idle_rss():
    config = os.path.join(WORK, "empty.yaml")
    with open(config, "w") as f:
        # The config needs at least one target: one that refuses connections, polled hourly.
        f.write("targets:\n  - {name: idle, vendor: inet, url: 'http://127.0.0.1:9', interval: 1h, auth: {token: x}}\n")
    port = free_port()
    proc = start_exporter(config, port)
    wait_http(f"http://127.0.0.1:{port}/metrics")
    time.sleep(3)
    fetch(f"http://127.0.0.1:{port}/metrics")
    rss = rss_bytes(proc.pid)
    stop(proc)
    return rss


def startup(opts):
    """exec -> READY=1 with 100 targets (1,000 jobs), then a change at a vendor -> /metrics."""
    sim, config, listing, watched = start_simulator(1000, targets=100)
    times = []
    for _ in range(opts.startups):
        path = os.path.join(WORK, f"notify-{len(times)}.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        port = free_port()
        began = time.monotonic()
        proc = start_exporter(config, port, env=env)
        ready = None
        try:
            while ready is None:
                message = sock.recv(4096).decode()
                if "READY=1" in message.split("\n"):
                    ready = time.monotonic() - began
        except socket.timeout:
            pass
        sock.close()
        times.append(ready)
        if len(times) < opts.startups:
            stop(proc)
    # Change visibility: the last exporter is still running. Make one target answer 503 and see
    # how long /metrics takes to say it is down; the daemon polls every 10 s with jitter, so the
    # expected value is about half an interval, and the bound is interval + poll time.
    url = f"http://127.0.0.1:{port}/metrics"
    wait_polled(url, watched, 1, 40)
    listing_rows = json.load(open(listing))
    victim = listing_rows[7]
    fetch_post = urllib.request.Request(victim["url"] + "/_sim/fault?kind=status&value=503", method="POST")
    changes = []
    for _ in range(3 if opts.quick else 5):
        pattern = f'backup_target_up{{target="{victim["name"]}",vendor="{victim["vendor"]}"}} '
        urllib.request.urlopen(fetch_post, timeout=5).read()
        began = time.monotonic()
        seen = None
        while time.monotonic() - began < 30:
            if pattern + "0" in fetch(url).decode():
                seen = time.monotonic() - began
                break
            time.sleep(0.05)
        changes.append(seen)
        urllib.request.urlopen(urllib.request.Request(victim["url"] + "/_sim/fault?kind=none", method="POST"), timeout=5).read()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and pattern + "1" not in fetch(url).decode():
            time.sleep(0.2)
    stop(proc)
    stop(sim)
    valid = [t for t in times if t is not None]
    seen = [c for c in changes if c is not None]
    return {"ready_ms": [round(t * 1000, 1) if t is not None else None for t in times],
            "ready_ms_median": round(statistics.median(valid) * 1000, 1) if valid else None,
            "change_visible_s": [round(c, 2) if c is not None else None for c in changes],
            "change_visible_s_median": round(statistics.median(seen), 2) if seen else None,
            "interval_s": 10}


def ratio(a, b):
    return f"{a / b:.1f}" if b else "n/a"


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def markdown(report):
    lines = [f"Machine: {report['machine']}. Run: {report['started']}, {'quick' if report['quick'] else 'full'} "
             f"(wrk {report['wrk_seconds']} s per run, polling window {report['window_s']} s).", ""]
    lines += ["### Scrape (`wrk -c8`, GET /metrics)", "",
              "| jobs | series | page KiB | nginx rps | ours rps | python rps | ours/nginx | ours/python | ours p50 / p99 ms | python p50 / p99 ms | CPU µs per series: ours / python / node_exporter / nginx |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    node = report["node_exporter"]
    for r in report["scales"]:
        s = r["scrape"]
        lines.append(
            f"| {r['jobs']:,} | {r['page']['ours_series']:,} | {r['page']['ours_bytes'] / 1024:,.0f} | {s['nginx']['rps']:,.0f} | "
            f"{s['ours']['rps']:,.0f} | {s['python']['rps']:,.1f} | {s['ours']['rps'] / s['nginx']['rps']:.2f} | "
            f"{ratio(s['ours']['rps'], s['python']['rps'])}× | {s['ours']['p50_ms']:.2f} / {s['ours']['p99_ms']:.2f} | "
            f"{s['python']['p50_ms']:.1f} / {s['python']['p99_ms']:.1f} | "
            f"{fmt(s['ours']['cpu_us_per_series'], 3)} / {fmt(s['python']['cpu_us_per_series'], 3)} / {fmt(node['cpu_us_per_series'], 3)} / "
            f"{fmt(s['nginx']['cpu_us_per_series'], 3)} |")
    lines += ["", "### Scrape with `Accept-Encoding: gzip` (`wrk -c8`; nginx `gzip_static` serves the same page compressed once)", "",
              "| jobs | gzip KiB: ours / nginx | nginx gzip rps | ours gzip rps | ours/nginx | ours gzip p50 / p99 ms | CPU µs per series (gzip): ours / nginx |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["scales"]:
        s, pg = r["scrape"], r["page"]
        lines.append(
            f"| {r['jobs']:,} | {pg['ours_gzip_bytes'] / 1024:,.0f} / {pg['nginx_gzip_bytes'] / 1024:,.0f} | "
            f"{s['nginx_gzip']['rps']:,.0f} | {s['ours_gzip']['rps']:,.0f} | {s['ours_gzip']['rps'] / s['nginx_gzip']['rps']:.2f} | "
            f"{s['ours_gzip']['p50_ms']:.2f} / {s['ours_gzip']['p99_ms']:.2f} | {fmt(s['ours_gzip']['cpu_us_per_series'], 3)} / {fmt(s['nginx_gzip']['cpu_us_per_series'], 3)} |")
    for b in report.get("big", []):
        lines += ["", f"**{b['jobs']:,} jobs on one instance** ({b['targets']} targets polled every 60 s, {b['targets_up']} up, {b['jobs_seen']:,.0f} jobs exported, "
                  f"{b.get('series', 0):,} series; every target polled twice and every job on the page after {b['warm_s']} s: {'yes' if b['warm'] else 'no'}): "
                  f"one scrape while polling took {', '.join(f'{x:.2f}' for x in b['scrape_s']['plain'])} s plain "
                  f"({b['bytes']['plain'] / 2**20:,.0f} MiB) and {', '.join(f'{x:.2f}' for x in b['scrape_s']['gzip'])} s gzip "
                  f"({b['bytes']['gzip'] / 2**20:,.1f} MiB); RSS {b['rss'] / 2**20:,.0f} MiB."]
    lines += ["", f"node_exporter alone: {node['series']:,} series, {node['rps']:,.0f} rps, p99 {node['p99_ms']:.2f} ms "
              f"({node['rps'] * node['series']:,.0f} series/s).", ""]
    lines += ["### Polling (every target every 10 s)", "",
              "| jobs | job polls in window | CPU s per 10k job polls: ours / python | ratio | wall s per poll round per 10k jobs: ours / python | RSS MiB: ours / python | bytes per job (ours) |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    first = report["scales"][0]
    for r in report["scales"]:
        p = r["polling"]
        ours, py = p["ours"]["cpu_s_per_10k_job_polls"], p["python"]["cpu_s_per_10k_job_polls"]
        per_job = (r["rss"]["ours"] - report["idle_rss"]) / r["jobs"]
        lines.append(
            f"| {r['jobs']:,} | {p['ours']['job_polls']:,.0f} | {fmt(ours, 2)} / {fmt(py, 2)} | "
            f"{(ours / py) if ours and py else float('nan'):.2f} | {fmt(p['ours']['wall_s_per_10k_jobs'], 2)} / {fmt(p['python']['wall_s_per_10k_jobs'], 2)} | "
            f"{r['rss']['ours'] / 2**20:.1f} / {r['rss']['python'] / 2**20:.1f} | {per_job:,.0f} |")
    open_rows = [r for r in report["scales"] if "open_loop" in r]
    if open_rows:
        lines += ["", f"### Open loop ({report['rate']} scrapes/s for {report['open_seconds']} s, while polling; bench/openloop.c)", "",
                  "| jobs | coding | answered | mean bytes | p50 ms | p90 ms | p99 ms | max ms |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in open_rows:
            for coding, o in r["open_loop"].items():
                lines.append(f"| {r['jobs']:,} | {coding} | {o['answered']:,} of {o['sent']:,} | {o['mean_bytes']:,.0f} | "
                             f"{o['p50_ms']:.2f} | {o['p90_ms']:.2f} | {o['p99_ms']:.2f} | {o['max_ms']:.2f} |")
    st = report["startup"]
    lines += ["", f"Idle RSS (no targets): {report['idle_rss'] / 2**20:.1f} MiB. "
              f"exec → READY=1 with 100 targets: median {fmt(st['ready_ms_median'])} ms (runs: {st['ready_ms']}). "
              f"Vendor change (a target answers 503) → visible on /metrics: median {fmt(st['change_visible_s_median'], 2)} s "
              f"(runs: {st['change_visible_s']}; polled every {st['interval_s']} s, so up to one interval is expected).", ""]
    goals = report["goals"]
    lines += ["### Goals", "", "| goal | measured | met |", "|---|---|---|"]
    for g in goals:
        lines.append(f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else 'no'} |")
    return "\n".join(lines) + "\n"


def goals(report):
    by = {r["jobs"]: r for r in report["scales"]}
    out = []
    r = by.get(1000)
    if r:
        s = r["scrape"]
        out.append({"goal": "scrape at 1,000 jobs ≥ ½ nginx", "measured": f"{s['ours']['rps'] / s['nginx']['rps']:.2f}",
                    "met": s["ours"]["rps"] >= s["nginx"]["rps"] / 2})
        out.append({"goal": "scrape at 1,000 jobs ≥ 5× Python", "measured": f"{s['ours']['rps'] / s['python']['rps']:.1f}×",
                    "met": s["ours"]["rps"] >= 5 * s["python"]["rps"]})
        out.append({"goal": "p99 at 1,000 jobs < 20 ms (wrk -c8, saturation)", "measured": f"{s['ours']['p99_ms']:.2f} ms", "met": s["ours"]["p99_ms"] < 20})
        if "open_loop" in r:
            o = r["open_loop"]
            worst = max(o["plain"]["p99_ms"], o["gzip"]["p99_ms"])
            out.append({"goal": f"p99 at 1,000 jobs, {report['rate']} req/s open loop, while polling < 20 ms",
                        "measured": f"plain {o['plain']['p99_ms']:.2f} ms, gzip {o['gzip']['p99_ms']:.2f} ms",
                        "met": worst < 20 and o["plain"]["errors"] == 0 and o["gzip"]["errors"] == 0})
        node = report["node_exporter"]["cpu_us_per_series"]
        out.append({"goal": "render CPU per series ≤ node_exporter's", "measured": f"{s['ours']['cpu_us_per_series']:.3f} vs {node:.3f} µs",
                    "met": s["ours"]["cpu_us_per_series"] <= node})
    ratios = [r["polling"]["ours"]["cpu_s_per_10k_job_polls"] / r["polling"]["python"]["cpu_s_per_10k_job_polls"]
              for r in report["scales"]
              if r["jobs"] >= 1000 and r["polling"]["ours"]["cpu_s_per_10k_job_polls"] and r["polling"]["python"]["cpu_s_per_10k_job_polls"]]
    if ratios:
        out.append({"goal": "polling CPU per job poll ≤ ⅓ Python's (≥ 1,000 jobs)", "measured": ", ".join(f"{x:.2f}" for x in ratios),
                    "met": max(ratios) <= 1 / 3})
    if 10000 in by and 1000 in by:
        s10, s1 = by[10000]["scrape"], by[1000]["scrape"]
        out.append({"goal": "scrape at 10,000 jobs, plain ≥ ½ nginx", "measured": f"{s10['ours']['rps'] / s10['nginx']['rps']:.2f}",
                    "met": s10["ours"]["rps"] >= s10["nginx"]["rps"] / 2})
        out.append({"goal": "scrape at 10,000 jobs, gzip ≥ ½ nginx gzip_static", "measured": f"{s10['ours_gzip']['rps'] / s10['nginx_gzip']['rps']:.2f}",
                    "met": s10["ours_gzip"]["rps"] >= s10["nginx_gzip"]["rps"] / 2})
        c10, c1 = s10["ours"]["cpu_us_per_series"], s1["ours"]["cpu_us_per_series"]
        n10, n1 = s10["nginx"]["cpu_us_per_series"], s1["nginx"]["cpu_us_per_series"]
        out.append({"goal": "CPU per series at 10,000 jobs ≤ at 1,000 (plain)",
                    "measured": f"{fmt(c10, 3)} vs {fmt(c1, 3)} µs (nginx: {fmt(n10, 3)} vs {fmt(n1, 3)})",
                    "met": c10 is not None and c1 is not None and c10 <= c1})
    for b in report.get("big", []):
        worst = max(b["scrape_s"]["plain"] + b["scrape_s"]["gzip"])
        out.append({"goal": f"{b['jobs']:,} jobs: page within 10 s, RSS ≤ 400 MB",
                    "measured": f"slowest scrape {worst:.2f} s, RSS {b['rss'] / 1e6:.0f} MB",
                    "met": b["warm"] and b["jobs_seen"] >= b["jobs"] and worst <= 10 and b["rss"] <= 400e6})
    out.append({"goal": "RSS idle ≤ 20 MB", "measured": f"{report['idle_rss'] / 1e6:.1f} MB", "met": report["idle_rss"] <= 20e6})
    if 10000 in by:
        rss = by[10000]["rss"]["ours"]
        out.append({"goal": "RSS at 10,000 jobs ≤ 80 MB", "measured": f"{rss / 1e6:.1f} MB", "met": rss <= 80e6})
    ready = report["startup"]["ready_ms_median"]
    out.append({"goal": "READY=1 ≤ 300 ms with 100 targets", "measured": f"{fmt(ready)} ms", "met": ready is not None and ready <= 300})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10 and 1,000 jobs, 5 s wrk runs, 20 s polling window")
    parser.add_argument("--scales", default=None, help="comma-separated job counts")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--open-loop", default="1000", help="comma-separated job counts to measure open loop at ('' for none)")
    parser.add_argument("--big", default=None, help="comma-separated job counts measured only for scrape time and RSS (full: 100000)")
    parser.add_argument("--rate", type=int, default=50, help="open loop: scrapes per second")
    parser.add_argument("--open-seconds", type=int, default=None, help="open loop: seconds per coding (20 quick, 60 full)")
    opts = parser.parse_args()
    opts.open_loop = [int(x) for x in opts.open_loop.split(",") if x]
    opts.open_seconds = opts.open_seconds or (20 if opts.quick else 60)
    opts.scales = [int(x) for x in opts.scales.split(",")] if opts.scales else ([10, 1000] if opts.quick else [10, 100, 1000, 10000])
    opts.big = [int(x) for x in opts.big.split(",") if x] if opts.big is not None else ([] if opts.quick else [100000])
    opts.big_warmup = 600
    opts.wrk_seconds = 5 if opts.quick else 10
    opts.window = 20 if opts.quick else 60
    opts.warmup = 60
    opts.startups = 3 if opts.quick else 7
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "quick": opts.quick, "wrk_seconds": opts.wrk_seconds,
              "window_s": opts.window, "rate": opts.rate, "open_seconds": opts.open_seconds,
              "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, load before start {os.getloadavg()[0]:.2f}"}
    global OPENLOOP
    OPENLOOP = build_openloop()
    report["idle_rss"] = idle_rss()
    report["startup"] = startup(opts)
    report["node_exporter"] = node_exporter(opts)
    report["scales"] = [measure_scale(n, opts, opts.python) for n in opts.scales]
    report["big"] = [measure_big(n, opts) for n in opts.big]
    report["goals"] = goals(report)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(report, f, indent=1)
    table = markdown(report)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
