"""Where the daemon's resident memory is at 100,000 jobs (the bench's `big` row), at three moments:
warm, after the row's 3 plain + 3 gzip scrapes, and 30 s later. For each: RSS by kind of mapping
from /proc/<pid>/smaps, and malloc's own account (`malloc_info`, read by attaching gdb), which
tells bytes in use from bytes free but kept inside the arenas.

    python3 bench/rss_breakdown.py                      # the release build
    BENCH_EXPORTER=/path/to/other/build python3 bench/rss_breakdown.py

Needs gdb and ptrace rights over the daemon (root, or kernel.yama.ptrace_scope 0). About 4 minutes.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def malloc_account(pid):
    """Arena bytes, free bytes and chunks in them, and malloc's own mmap'd chunks, from malloc_info."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        subprocess.run(["gdb", "-p", str(pid), "-batch",
                        "-ex", f'set $f = (void*)fopen("{out.name}", "w")',
                        "-ex", "call (int)malloc_info(0, $f)", "-ex", "call (int)fclose($f)"],
                       capture_output=True, timeout=60, check=True)
        xml = open(out.name).read()
    # The totals follow the last arena's element.
    totals = xml[xml.rindex("</heap>"):]
    free = re.findall(r'<total type="(?:fast|rest)" count="(\d+)" size="(\d+)"', totals)
    mapped = re.search(r'<total type="mmap" count="(\d+)" size="(\d+)"', totals)
    return {"arenas": int(re.search(r'<system type="current" size="(\d+)"', totals).group(1)),
            "free": sum(int(size) for _, size in free), "free_chunks": sum(int(count) for count, _ in free),
            "mmap_chunks": int(mapped.group(1)), "mmap_bytes": int(mapped.group(2))}


def resident_by_kind(pid):
    """Resident kB per kind of mapping. The kept plain pieces are anonymous mappings under 1 MiB
    (neighbours merge into one), the main arena is `[heap]`, a secondary arena a 64 MiB
    reservation; between those, malloc's mmap'd chunks, thread stacks, and the written part of a
    secondary arena when the kernel keeps it apart from the rest of its reservation (so the
    arenas are malloc's figure below, not these)."""
    kinds, current = collections.Counter(), None
    for line in open(f"/proc/{pid}/smaps"):
        mapping = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)", line)
        if mapping:
            size_kb = (int(mapping.group(2), 16) - int(mapping.group(1), 16)) // 1024
            name = mapping.group(3).strip()
            if name == "[heap]":
                current = "main arena"
            elif name:
                current = "files and kernel"
            elif size_kb >= 60 * 1024:
                current = "other arenas"
            elif size_kb < 1024:
                current = "small anonymous (kept plain pieces)"
            else:
                current = "other anonymous, 1-60 MB"
        elif line.startswith("Rss:"):
            kinds[current] += int(line.split()[1])
    return kinds


def report(pid, moment):
    kinds = resident_by_kind(pid)
    account = malloc_account(pid)
    print(f"== {moment}: RSS {sum(kinds.values()) / 1024:.1f} MB; "
          + "; ".join(f"{kind} {kb / 1024:.1f}" for kind, kb in kinds.most_common()))
    print(f"   malloc: arenas {account['arenas'] / 1e6:.1f} MB, of it free {account['free'] / 1e6:.1f} MB in "
          f"{account['free_chunks']:,} chunks, in use {(account['arenas'] - account['free']) / 1e6:.1f} MB; "
          f"mmap'd chunks {account['mmap_bytes'] / 1e6:.1f} MB in {account['mmap_chunks']}", flush=True)


def main():
    jobs, targets = 100_000, 500
    sim, config, _, watched = bench.start_simulator(jobs, targets=targets, interval="60s")
    port = bench.free_port()
    ours = bench.start_exporter(config, port)
    url = f"http://127.0.0.1:{port}/metrics"
    bench.wait_http(url)
    began = time.monotonic()
    # Warm as the bench's big row counts it: every target polled twice, every job on the page.
    bench.wait_polled(url, watched, 2, 400, jobs=jobs, pause=10, timeout=120)
    report(ours.pid, f"warm after {time.monotonic() - began:.0f} s")
    for _ in range(3):
        bench.fetch(url, timeout=120)
        bench.fetch_gzip(url, timeout=120)
        time.sleep(2)
    report(ours.pid, "after 3 plain + 3 gzip scrapes (where the bench reads RSS)")
    time.sleep(30)
    report(ours.pid, "30 s later")
    bench.stop(ours)
    bench.stop(sim)


if __name__ == "__main__":
    main()
