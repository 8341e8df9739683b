#!/usr/bin/env python3
"""The network fault test's driver; run.sh builds the namespaces and runs this inside the daemon's.

Four faults, each on all five vendors' links at once (one veth pair per vendor, so each vendor
has a link of its own), then cleared:
  latency    2 s added to every chunk in each direction by delay-proxy.py (this kernel has no netem)
  loss       30 % of the packets dropped in each direction (iptables -m statistic)
  bandwidth  a 10 kbit/s link (tc tbf on both ends)
  blackhole  a response is held by the proxy when half delivered, an iptables DROP of everything on
             the link is put in place, and the rest of the response sent into it; for the login
             vendors the simulator first answers one call 401, so the response cut in half is a
             login's: the session the vendor then holds is one the daemon never learns.
For every vendor and fault it reads the daemon's /status five times a second and checks:
  deadline   every poll under the fault ended within interval + timeout + 1 s (the daemon's own
             bound is max(interval, timeout) for the poll plus the request in flight);
  reason     a failed poll says `timeout` (the only honest word for packets that do not arrive),
             and the outcome is the one the link allows (below);
  pile-up    never two polls at once: polls started (backup_target_polls_total) minus polls
             ended is never more than one, and each poll starts after the previous one ended;
  recovery   the first poll that starts after the fault is cleared succeeds;
  tokens     (Veeam, Commvault, Unitrends) no session token is lost: every token a login handed
             out during the phase is used afterwards, except at most the one whose answer the
             blackhole ate (its login was half finished; nobody can use or log out that session),
             and the vendor's sessions grow by none (a timeout is no reason to log in again), or
             in the blackhole phase by the two logins the 401 and the eaten answer called for;
  control    the five control targets (the same vendors on an unfaulted simulator) polled on
             schedule all along: every poll succeeded and no tick was missed;
  /metrics   backup_target_poll_errors_total rose by exactly the failed polls /status showed, by
             reason.
Each vendor's fault is cleared as soon as that vendor had its whole polls under it (started after
the fault was in place, and ended), so the phases take ~50 s each and the run about 3.5 minutes.
What the link allows is worked out from the baseline polls, as the proxy saw them: round trips
per poll and bytes per poll. Under 2 s latency each round trip costs 4 s, below the 6 s request
timeout, so a vendor whose poll needs few enough round trips to fit in the poll's deadline must
stay up, and one that needs more must time out. Under 10 kbit/s, the same with bytes. Under 30 %
loss, TCP retransmits: polls are slow, not broken, so at least one poll in the fault window must
succeed and any failure must be a timeout. Under the blackhole every poll must time out.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

# Vendor, its link number (veth pair k, 10.213.k.0/30), and the simulator's order of servers.
VENDORS = ["inet", "veeam_m365", "unitrends", "commvault", "eclypse"]
LINK = {vendor: index + 1 for index, vendor in enumerate(VENDORS)}
LOGIN_VENDORS = {"veeam_m365", "unitrends", "commvault"}
LOGIN_LINE = r"^POST \S*(/api/login|/Token|/Login)$"
# The ECLYPSE simulator's demo job (EclypseSimulator.demoJobs()); ECLYPSE has no list call.
ECLYPSE_JOB = "c83b7cd2-e5df-4dcc-9e9e-301927c76a30"

FAULT_INTERVAL = 12.0   # the faulted targets
FAULT_TIMEOUT = 6.0     # per request: above the 4 s a round trip costs under the 2 s latency
CONTROL_INTERVAL = 3.0
CONTROL_TIMEOUT = 3.0
SLACK = 1.0
DELAY = 2.0             # latency: seconds per chunk per direction
LOSS = 0.3
RATE_BITS = 10_000      # bandwidth: 10 kbit/s
DAEMON_PORT = 9871
# Whole polls each fault stays for: under loss a single poll may be unlucky, three show the link.
WHOLE_POLLS = {"loss": 3}


def deadline_bound(interval, timeout):
    return interval + timeout + SLACK


class Run:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.logs = os.path.join(self.work, "logs")
        self.control_dir = os.path.join(self.work, "proxy-control")
        self.events_path = os.path.join(self.logs, "proxy-events.jsonl")
        os.makedirs(self.logs, exist_ok=True)
        os.makedirs(self.control_dir, exist_ok=True)
        self.children = []
        self.passed = 0
        self.failed = 0
        self.samples_lock = threading.Lock()
        self.polls = {}        # target -> [poll dicts], in order
        self.flight = {}       # target -> [(t, polls_total - polls ended)]
        self.stop_sampling = threading.Event()
        self.rows = []         # the figures table

    # ---------------------------------------------------------------- bookkeeping
    def check(self, ok, what):
        if ok:
            self.passed += 1
            print(f"PASS: {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)
        return ok

    def note(self, text):
        print(f"     {text}", flush=True)

    @staticmethod
    def clock(t):
        return time.strftime("%H:%M:%S", time.gmtime(t)) + f".{int(t * 10) % 10}" if t else "-"

    def say(self, text):
        print(f"---- {text}", flush=True)

    def vns(self, *command):
        """A command in the vendors' namespace."""
        return ["ip", "netns", "exec", self.args.vendors_netns, *command]

    def sh(self, command, check=True):
        result = subprocess.run(command, capture_output=True, text=True, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: exit {result.returncode}: {result.stderr.strip()}")
        return result

    def start(self, name, command):
        out = open(os.path.join(self.logs, f"{name}.log"), "w")
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.children.append((name, proc))
        return proc

    def failed_to_start(self, name, why):
        path = os.path.join(self.logs, f"{name}.log")
        print(f"---- {name}: tail of {path}")
        try:
            with open(path) as f:
                print("".join(f.readlines()[-20:]), end="")
        except OSError:
            pass
        self.check(False, f"{name} started ({why})")
        raise SystemExit(1)

    def stop_all(self):
        self.stop_sampling.set()
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in self.children:
            try:
                proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                proc.kill()

    # ---------------------------------------------------------------- processes
    def wait_lines(self, name, proc, count, seconds):
        path = os.path.join(self.logs, f"{name}.log")
        deadline = time.time() + seconds
        while time.time() < deadline:
            with open(path) as f:
                lines = f.read().splitlines()
            if len(lines) >= count:
                return lines
            if proc.poll() is not None:
                self.failed_to_start(name, f"exited with {proc.returncode}")
            time.sleep(0.1)
        self.failed_to_start(name, f"no {count} lines of output within {seconds} s")

    def start_simulator(self, name, command):
        proc = self.start(name, command)
        lines = self.wait_lines(name, proc, 10, 30)
        urls = {}
        credentials = {}
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[0] in VENDORS:
                urls[parts[0]] = parts[1]
            elif line.startswith("credentials:"):
                fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
                credentials[parts[1]] = fields
        if set(urls) != set(VENDORS):
            self.failed_to_start(name, f"printed servers for {sorted(urls)}")
        return urls, credentials

    def start_all(self):
        sim = self.args.simulator
        self.control_urls, self.credentials = self.start_simulator("control-simulator", [sim, "--host", "127.0.0.1", "--port", "0"])
        faulted_urls, _ = self.start_simulator("faulted-simulator", self.vns(sim, "--host", "0.0.0.0", "--port", "0"))
        # The faulted simulator's own ports, reached over link 0 (never faulted) for its switches.
        self.faulted_ports = {v: int(faulted_urls[v].rsplit(":", 1)[1]) for v in VENDORS}
        self.switch_base = {v: f"http://10.213.0.2:{self.faulted_ports[v]}" for v in VENDORS}
        links = [f"{v}=10.213.{LINK[v]}.2:{18000 + LINK[v]}=127.0.0.1:{self.faulted_ports[v]}" for v in VENDORS]
        proxy = self.start("delay-proxy", self.vns("python3", self.args.proxy, "--control", self.control_dir,
                                                   "--events", self.events_path, *links))
        self.wait_lines("delay-proxy", proxy, 1, 15)
        self.faulted_urls = {v: f"http://10.213.{LINK[v]}.2:{18000 + LINK[v]}" for v in VENDORS}
        self.write_config()
        self.daemon = self.start("daemon", [self.args.exporter, "--config.file", self.config_path,
                                            "--web.listen-address", f"127.0.0.1:{DAEMON_PORT}",
                                            "--storage.path", os.path.join(self.work, "state"),
                                            "--log.format", "logfmt", "--log.level", "debug"])
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.daemon.poll() is not None:
                self.failed_to_start("daemon", f"exited with {self.daemon.returncode}")
            try:
                self.fetch("/-/ready")
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.failed_to_start("daemon", "/-/ready did not answer within 20 s")

    def fetch(self, path, timeout=3):
        with urllib.request.urlopen(f"http://127.0.0.1:{DAEMON_PORT}{path}", timeout=timeout) as response:
            return response.read()

    def switch(self, vendor, kind, value=None):
        url = f"{self.switch_base[vendor]}/_sim/fault?kind={kind}" + (f"&value={value}" if value is not None else "")
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=3) as response:
            response.read()

    # ---------------------------------------------------------------- config
    def inet_definition(self):
        """The first i-net definition id, from the control simulator (the two serve the same jobs)."""
        token = self.credentials["inet"]["token"]
        request = urllib.request.Request(self.control_urls["inet"] + "/api/backup/definitions",
                                         headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            listed = json.loads(response.read())
        first = listed[0]
        return first if isinstance(first, str) else str(first.get("id") or first.get("definitionid"))

    def target(self, name, vendor, url, interval, timeout):
        c = self.credentials.get(vendor, {})
        head = f"""  - name: {name}
    vendor: {vendor}
    interval: {interval}s
    timeout: {timeout}s
"""
        if vendor == "inet":
            # one definition, the newest result: two round trips a poll
            return head + f"""    url: {url}
    auth: {{ username: {c['user']}, password: {c['password']} }}
    options: {{ definitions: [{self.definition}], results_per_definition: 1 }}
"""
        if vendor == "veeam_m365":
            return head + f"""    url: {url}
    auth: {{ username: {c['user']}, password: {c['password']} }}
    options: {{ api_version: v8, sessions_per_job: 1 }}
"""
        if vendor == "unitrends":
            return head + f"""    url: {url}
    timezone: America/New_York
    auth: {{ username: {c['user']}, password: {c['password']} }}
    options: {{ backups_per_job: 1 }}
"""
        if vendor == "commvault":
            return head + f"""    url: {url}/webconsole/api
    auth: {{ username: {c['user']}, password: {c['password']} }}
"""
        return head + f"""    url: {url}
    auth: {{ username: {c['user']}, password: {c['password']} }}
    jobs: [{ECLYPSE_JOB}]
    options: {{ api: jobs }}
"""

    def write_config(self):
        self.definition = self.inet_definition()
        text = "# written by system-test/netfault/netfault.py\ndefaults:\n  jitter: 50%\ntargets:\n"
        for v in VENDORS:
            text += self.target(f"nf-{v}", v, self.faulted_urls[v], FAULT_INTERVAL, FAULT_TIMEOUT)
        for v in VENDORS:
            text += self.target(f"ctl-{v}", v, self.control_urls[v], CONTROL_INTERVAL, CONTROL_TIMEOUT)
        self.config_path = os.path.join(self.work, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write(text)
        with open(os.path.join(self.logs, "config.yaml"), "w") as f:
            f.write(re.sub(r"password: [^ }]+", "password: <redacted>", text))

    # ---------------------------------------------------------------- observing the daemon
    def sampler(self):
        ended = {}
        last_ts = {}
        while not self.stop_sampling.is_set():
            t = time.time()
            try:
                status = json.loads(self.fetch("/status"))
            except (OSError, ValueError):
                time.sleep(0.2)
                continue
            with self.samples_lock:
                for target in status["targets"]:
                    name = target["name"]
                    ts = target.get("last_poll_timestamp_seconds")
                    if ts is not None and ts != last_ts.get(name):
                        last_ts[name] = ts
                        duration = target.get("last_poll_duration_seconds") or 0.0
                        ended[name] = ended.get(name, 0) + 1
                        self.polls.setdefault(name, []).append({
                            "start": ts - duration, "end": ts, "duration": duration, "seen": t,
                            "up": target["up"], "reason": target.get("reason"), "message": target.get("message"),
                        })
                    self.flight.setdefault(name, []).append((t, target["polls_total"] - ended.get(name, 0)))
            time.sleep(max(0.0, 0.2 - (time.time() - t)))

    def sockets(self):
        """NETFAULT_DEBUG: the daemon namespace's TCP sockets to the faulted links, twice a second."""
        with open(os.path.join(self.logs, "sockets.log"), "w") as out:
            while not self.stop_sampling.is_set():
                listing = subprocess.run(["ss", "-tanoi", "dst", "10.213.0.0/16"], capture_output=True, text=True).stdout
                out.write(f"== {self.clock(time.time())}\n{listing}")
                out.flush()
                time.sleep(0.5)

    def error_counters(self):
        """backup_target_poll_errors_total from /metrics: {(target, reason): value}."""
        counters = {}
        for line in self.fetch("/metrics").decode().splitlines():
            if line.startswith("backup_target_poll_errors_total{"):
                labels, value = line[len("backup_target_poll_errors_total{"):].rsplit("} ", 1)
                fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
                counters[(fields["target"], fields["reason"])] = float(value)
        return counters

    def polls_of(self, target, since=0.0, until=float("inf")):
        with self.samples_lock:
            return [p for p in self.polls.get(target, []) if since <= p["start"] < until]

    def wait_until(self, seconds, condition):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return condition()

    def all_up(self, prefix):
        with self.samples_lock:
            return all(self.polls.get(f"{prefix}-{v}") and self.polls[f"{prefix}-{v}"][-1]["up"] for v in VENDORS)

    def proxy_events(self, since=0.0, until=float("inf")):
        events = []
        try:
            with open(self.events_path) as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if since <= event["t"] < until:
                        events.append(event)
        except OSError:
            pass
        return events

    # ---------------------------------------------------------------- faults
    def ipt(self, action, vendor, *match):
        device = f"nfv{LINK[vendor]}-{self.args.link_suffix}"
        for chain, flag in (("INPUT", "-i"), ("OUTPUT", "-o")):
            self.sh(self.vns("iptables", "-w", action, chain, flag, device, *match, "-j", "DROP"), check=(action == "-I"))

    def tbf(self, vendor, on):
        for ns, device in ((None, f"nfd{LINK[vendor]}-{self.args.link_suffix}"),
                           (self.args.vendors_netns, f"nfv{LINK[vendor]}-{self.args.link_suffix}")):
            prefix = ["ip", "netns", "exec", ns] if ns else []
            if on:
                # burst: one full packet (the links' MTU is 576, run.sh); latency: how long a
                # packet may queue before it is dropped
                self.sh(prefix + ["tc", "qdisc", "replace", "dev", device, "root", "tbf",
                                  "rate", f"{RATE_BITS}bit", "burst", "600", "latency", "10s"])
            else:
                self.sh(prefix + ["tc", "qdisc", "del", "dev", device, "root"], check=False)

    def control_file(self, vendor, kind):
        return os.path.join(self.control_dir, f"{vendor}.{kind}")

    def apply(self, fault, vendor):
        if fault == "latency":
            with open(self.control_file(vendor, "delay"), "w") as f:
                f.write(str(DELAY))
        elif fault == "loss":
            self.ipt("-I", vendor, "-m", "statistic", "--mode", "random", "--probability", str(LOSS))
        elif fault == "bandwidth":
            self.tbf(vendor, True)
        elif fault == "blackhole":
            return self.blackhole(vendor)
        return time.time()

    def clear(self, fault, vendor):
        if fault == "latency":
            try:
                os.remove(self.control_file(vendor, "delay"))
            except FileNotFoundError:
                pass
        elif fault == "loss":
            self.ipt("-D", vendor, "-m", "statistic", "--mode", "random", "--probability", str(LOSS))
        elif fault == "bandwidth":
            self.tbf(vendor, False)
        elif fault == "blackhole":
            self.ipt("-D", vendor)
            self.switch(vendor, "none")
            try:
                os.remove(self.control_file(vendor, "hold"))
            except FileNotFoundError:
                pass

    def blackhole(self, vendor):
        """Holds the next response (a login's, for the login vendors) half delivered, puts the
        DROP in place, then lets the rest go into it. Returns when the DROP went in, or None."""
        armed = time.time()
        with open(self.control_file(vendor, "hold"), "w") as f:
            f.write(LOGIN_LINE if vendor in LOGIN_VENDORS else ".")
        if vendor in LOGIN_VENDORS:
            # the next call answers 401: the daemon logs in again, and that login is what gets cut
            self.switch(vendor, "unauthorized", 1)
        deadline = armed + FAULT_INTERVAL + FAULT_TIMEOUT + 10
        held = None
        while time.time() < deadline and held is None:
            held = next((e for e in self.proxy_events(armed) if e["link"] == vendor and e["ev"] == "held"), None)
            time.sleep(0.05)
        if held is None:
            self.check(False, f"{vendor} blackhole: a response was held half delivered within {deadline - armed:.0f} s")
            return None
        self.ipt("-I", vendor)
        dropped = time.time()
        os.remove(self.control_file(vendor, "hold"))
        answered = [e for e in self.proxy_events(armed) if e["link"] == vendor and e["ev"] == "response"]
        self.cut[vendor] = answered[-1]["line"] if answered else "?"
        return dropped

    # ---------------------------------------------------------------- baseline
    def baseline(self):
        """Round trips and bytes per poll of each faulted target, from the proxy's events during
        the polls seen so far (all unfaulted)."""
        figures = {}
        events = self.proxy_events()
        for v in VENDORS:
            trips, sizes = [], []
            for p in self.polls_of(f"nf-{v}")[1:]:   # the first poll logs in and reads history
                inside = [e for e in events if e["link"] == v and p["start"] - 0.05 <= e["t"] <= p["end"] + 0.05]
                requests = [e for e in inside if e["ev"] == "request"]
                responses = [e for e in inside if e["ev"] == "response"]
                if requests:
                    trips.append(len(requests))
                    # wire bytes: bodies plus about 250 bytes of head each way, 40 of TCP/IP per packet
                    sizes.append(sum(e["bytes"] for e in responses) + 500 * len(requests))
            figures[v] = {"trips": (min(trips), max(trips)) if trips else (0, 0),
                          "bytes": (min(sizes), max(sizes)) if sizes else (0, 0)}
        return figures

    def expected(self, fault, vendor):
        """'up', 'timeout' or 'either' for a poll under the fault, and why."""
        deadline = max(FAULT_INTERVAL, FAULT_TIMEOUT)
        trips_min, trips_max = self.base[vendor]["trips"]
        if fault == "latency":
            low, high = trips_min * 2 * DELAY, trips_max * 2 * DELAY
            why = f"{trips_min}-{trips_max} round trips x {2 * DELAY:.0f} s = {low:.0f}-{high:.0f} s vs the {deadline:.0f} s poll deadline"
            if high + 2 <= deadline:
                return "up", why
            if low >= deadline + 1:
                return "timeout", why
            return "either", why
        if fault == "bandwidth":
            bytes_min, bytes_max = self.base[vendor]["bytes"]
            low, high = bytes_min * 8 * 1.1 / RATE_BITS, bytes_max * 8 * 1.1 / RATE_BITS
            why = f"~{bytes_min}-{bytes_max} bytes at {RATE_BITS // 1000} kbit/s = {low:.1f}-{high:.1f} s vs {deadline:.0f} s"
            if high <= deadline / 2:
                return "up", why
            if low >= deadline * 1.5:
                return "timeout", why
            return "either", why
        if fault == "loss":
            return "some up", "TCP retransmits: at least one poll in the window succeeds, failures are timeouts"
        return "timeout", "no packet gets through"

    # ---------------------------------------------------------------- one fault, all vendors
    def phase(self, fault):
        """One fault on every vendor's link at once; each vendor's fault is cleared as soon as
        that vendor had its whole polls under it, then its next poll is awaited."""
        self.say(f"{fault}")
        if not self.wait_until(2 * FAULT_INTERVAL + 10, lambda: self.all_up("nf")):
            self.check(False, f"{fault}: every faulted target up before the fault")
        started = time.time()
        applied, cleared, finished = {}, {}, {}
        self.cut = {}
        bound = deadline_bound(FAULT_INTERVAL, FAULT_TIMEOUT)
        wanted = WHOLE_POLLS.get(fault, 1)

        def one(v):
            name = f"nf-{v}"
            applied[v] = self.apply(fault, v)
            if applied[v] is not None:
                # whole polls: started once the fault was in place, and ended
                self.wait_until(wanted * FAULT_INTERVAL + bound + 2,
                                lambda: len(self.polls_of(name, since=applied[v])) >= wanted)
            self.clear(fault, v)
            cleared[v] = time.time()
            # the next poll after the clear (its end also closes the window for the tokens)
            self.wait_until(FAULT_INTERVAL + bound + 2, lambda: len(self.polls_of(name, since=cleared[v])) >= 1)
            finished[v] = time.time()

        counted_from, counters_before = time.time(), self.error_counters()
        threads = [threading.Thread(target=one, args=(v,)) for v in VENDORS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.note(f"{fault}: in place at " + ", ".join(f"{v} {self.clock(applied[v])}" for v in VENDORS)
                  + "; cleared at " + ", ".join(f"{v} {self.clock(cleared[v])}" for v in VENDORS))
        if os.environ.get("NETFAULT_DEBUG"):
            self.note(self.sh(self.vns("iptables", "-S")).stdout.replace("\n", "; "))
        counted_until, counters_after = time.time(), self.error_counters()
        for v in VENDORS:
            self.judge(fault, v, applied.get(v), cleared[v], finished[v])
            # /metrics counted the same failures, by the same reason, as /status showed poll by poll
            name = f"nf-{v}"
            counted = {reason: counters_after.get((t, reason), 0) - counters_before.get((t, reason), 0)
                       for (t, reason) in counters_after if t == name}
            counted = {reason: int(n) for reason, n in counted.items() if n}
            seen = {}
            for p in self.polls_of(name):
                if counted_from < p["end"] <= counted_until and not p["up"]:
                    seen[p["reason"]] = seen.get(p["reason"], 0) + 1
            self.check(counted == seen, f"{v} {fault}: backup_target_poll_errors_total rose by {counted or 'nothing'} "
                       f"(the failed polls seen: {seen or 'none'})")
        self.judge_control(fault, started, max(finished.values()))

    def judge(self, fault, v, applied, cleared, finished):
        name = f"nf-{v}"
        bound = deadline_bound(FAULT_INTERVAL, FAULT_TIMEOUT)
        row = {"vendor": v, "fault": fault}
        self.rows.append(row)
        if applied is None:
            row.update(outcome="not applied", durations="-", recovered="-", expected="-")
            return
        # Polls that ran under the fault: whole (started once it was in place, ended before it
        # was cleared) and partly (running when it came or when it went).
        under = [p for p in self.polls_of(name) if p["start"] < cleared and p["end"] > applied]
        whole = [p for p in under if p["start"] >= applied and p["end"] <= cleared + 0.5]
        after = self.polls_of(name, since=cleared)
        expect, why = self.expected(fault, v)
        outcomes = {}
        for p in whole:
            key = "up" if p["up"] else p["reason"]
            outcomes[key] = outcomes.get(key, 0) + 1
        row["outcome"] = ", ".join(f"{k} {n}" for k, n in sorted(outcomes.items())) or "no poll"
        row["durations"] = f"{min(p['duration'] for p in whole):.1f}-{max(p['duration'] for p in whole):.1f}" if whole else "-"
        row["expected"] = expect
        label = f"{v} {fault}"
        self.check(len(whole) >= 1, f"{label}: {len(whole)} whole poll(s) under the fault, {len(under) - len(whole)} partly")
        longest = max((p["duration"] for p in under), default=0.0)
        observed = max((p["seen"] - p["start"] for p in under), default=0.0)
        self.check(longest <= bound and observed <= bound + 0.5,
                   f"{label}: every poll ended within its deadline (longest {longest:.1f} s by the daemon, "
                   f"{observed:.1f} s seen; bound {bound:.0f} s = interval + timeout + {SLACK:.0f} s)")
        # Any failure, whole or partly under the fault, is a timeout; the whole polls show what
        # the link allows.
        failures = {p["reason"] for p in under if not p["up"]}
        ups = sum(1 for p in whole if p["up"])
        if expect == "up":
            ok = failures <= {"timeout"} and ups == len(whole)
        elif expect == "timeout":
            ok = failures <= {"timeout"} and ups == 0
        elif expect == "some up":
            ok = failures <= {"timeout"} and ups >= 1
        else:
            ok = failures <= {"timeout"}
        self.check(ok, f"{label}: outcome {row['outcome']} (expected {expect}: {why})")
        if fault == "blackhole":
            cut = [p for p in under if p["start"] < applied]
            if cut:
                row["durations"] += f" (cut one {cut[0]['duration']:.1f})"
            self.check(bool(cut) and not cut[0]["up"] and cut[0]["reason"] == "timeout",
                       f"{label}: the poll cut mid-response ({self.cut.get(v, '?')}) ended with reason timeout"
                       + (f" after {cut[0]['duration']:.1f} s: {cut[0]['message']}" if cut else ""))
        # No pile-up: polls started minus polls ended stays within one of its lowest value, and
        # each poll starts after the previous one ended.
        with self.samples_lock:
            flight = [f for t, f in self.flight.get(name, []) if applied - 1 <= t <= finished]
            polls = list(self.polls.get(name, []))
        spread = (max(flight) - min(flight)) if flight else 0
        overlaps = sum(1 for a, b in zip(polls, polls[1:]) if b["start"] < a["end"] - 0.01)
        self.check(spread <= 1 and overlaps == 0,
                   f"{label}: no pile-up (polls in flight varied by {spread}, {overlaps} overlapping polls)")
        # Recovery: the first poll that started after the clear succeeded.
        first = after[0] if after else None
        recovered = first is not None and first["up"]
        row["recovered"] = f"{first['end'] - cleared:.1f}" if recovered else "no"
        self.check(recovered, f"{label}: up on the next poll after the fault cleared"
                   + (f" ({first['end'] - cleared:.1f} s after)" if first else " (no poll seen)")
                   + ("" if recovered or first is None else f": {first['reason']}: {first['message']}"))
        if v in LOGIN_VENDORS:
            self.judge_tokens(label, v, applied, finished, fault == "blackhole", row)
        else:
            row["tokens"] = "-"

    def judge_tokens(self, label, v, since, until, one_may_be_lost, row):
        events = [e for e in self.proxy_events(since - 1, until + 0.5) if e["link"] == v]
        issued = [(e["t"], e["issued"]) for e in events if e["ev"] == "response" and e.get("issued")]
        presented = {}
        for e in events:
            if e["ev"] == "request" and e.get("presented"):
                presented.setdefault(e["presented"], e["t"])
        lost = [token for t, token in issued if presented.get(token, -1) < t]
        allowed = 1 if one_may_be_lost else 0
        row["tokens"] = f"{len(issued)} issued, {len(lost)} lost"
        self.check(len(lost) <= allowed,
                   f"{label}: no session token lost ({len(issued)} issued, {len(lost)} never used"
                   + (", at most the one whose login the blackhole cut" if one_may_be_lost else "") + ")")
        # Sessions on the vendor: a timeout is no reason to log in again, so a network fault alone
        # adds none; the blackhole phase asked for one re-login (the 401), whose answer the
        # network ate, and the daemon then needs exactly one more.
        logins = 2 if one_may_be_lost else 0
        self.check(len(issued) <= logins,
                   f"{label}: sessions on the vendor grew by {len(issued)} (at most {logins}: "
                   + ("the login the blackhole cut and the one after it)" if one_may_be_lost
                      else "the daemon keeps its session through a fault)"))

    def judge_control(self, fault, since, until):
        for v in VENDORS:
            name = f"ctl-{v}"
            polls = self.polls_of(name, since - CONTROL_INTERVAL, until)
            bad = [p for p in polls if not p["up"]]
            gaps = [b["start"] - a["start"] for a, b in zip(polls, polls[1:])]
            widest = max(gaps, default=0.0)
            self.check(len(polls) >= (until - since) / CONTROL_INTERVAL - 1 and not bad and widest <= CONTROL_INTERVAL + 1,
                       f"control {v} during {fault}: {len(polls)} polls, {len(bad)} failed, "
                       f"widest gap {widest:.1f} s (interval {CONTROL_INTERVAL:.0f} s)")

    # ---------------------------------------------------------------- main
    def main(self):
        t0 = time.time()
        self.start_all()
        threading.Thread(target=self.sampler, daemon=True).start()
        if os.environ.get("NETFAULT_DEBUG"):
            threading.Thread(target=self.sockets, daemon=True).start()
        if not self.wait_until(2 * FAULT_INTERVAL + 10, lambda: self.all_up("nf") and self.all_up("ctl")):
            with self.samples_lock:
                down = {n: (p[-1]["reason"], p[-1]["message"]) for n, p in self.polls.items() if p and not p[-1]["up"]}
            self.failed_to_start("daemon", f"not every target up: {down}")
        self.check(True, f"all ten targets up ({time.time() - t0:.1f} s after start)")
        # Three unfaulted polls of each faulted target: their round trips and bytes.
        self.wait_until(3 * FAULT_INTERVAL + 5, lambda: all(len(self.polls_of(f"nf-{v}")) >= 3 for v in VENDORS))
        self.base = self.baseline()
        for v in VENDORS:
            b = self.base[v]
            print(f"     baseline {v}: {b['trips'][0]}-{b['trips'][1]} round trips, "
                  f"~{b['bytes'][0]}-{b['bytes'][1]} bytes a poll", flush=True)
        for fault in self.args.faults.split(","):
            self.phase(fault)
        self.stop_sampling.set()
        skipped = 0
        with open(os.path.join(self.logs, "daemon.log")) as f:
            skipped = sum(1 for line in f if "previous poll still running" in line)
        self.table(skipped)
        print(f"took {time.time() - t0:.0f} s")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1

    def table(self, skipped):
        print(f"\nfigures (faulted targets: interval {FAULT_INTERVAL:.0f} s, timeout {FAULT_TIMEOUT:.0f} s; "
              f"ticks skipped because a poll was still running: {skipped})")
        header = ("vendor", "fault", "polls under the fault", "poll seconds", "expected", "up again after s", "tokens")
        rows = [(r["vendor"], r["fault"], r.get("outcome", "-"), r.get("durations", "-"), r.get("expected", "-"),
                 r.get("recovered", "-"), r.get("tokens", "-")) for r in self.rows]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
        for line in [header] + rows:
            print("  " + "  ".join(str(x).ljust(w) for x, w in zip(line, widths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendors-netns", required=True)
    parser.add_argument("--link-suffix", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--simulator", required=True)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--faults", default="latency,loss,bandwidth,blackhole")
    run = Run(parser.parse_args())
    try:
        code = run.main()
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except Exception as error:  # a broken step must still stop the processes and say what broke
        print(f"FAIL: the test itself broke: {type(error).__name__}: {error}")
        run.failed += 1
        code = 1
    finally:
        run.stop_all()
    if code:
        print(f"logs: {run.logs}")
    sys.exit(code)


if __name__ == "__main__":
    main()
