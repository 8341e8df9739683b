#!/usr/bin/env python3
"""The baseline: a backup exporter written the way most people would write one.

prometheus_client for the page, requests for the vendor APIs (one requests.Session per target,
so connections are kept alive), one polling thread per target that sleeps between polls. It
polls the same simulated targets as backup-exporter (the JSON list `backup-simulator --scale N
--write-targets FILE` writes) with the same calls per vendor (all five vendors), and exposes the
same main series with the same names and labels:

  backup_target_up, backup_target_poll_duration_seconds, backup_target_polls_total,
  backup_target_jobs, backup_job_state{state}, backup_job_progress_ratio,
  backup_job_last_run_{start,end}_timestamp_seconds, backup_job_last_run_duration_seconds,
  backup_job_last_run_size_bytes

It does less than the daemon (no persistence, no run counting, no journald, no reload), which
favours it. Usage: exporter.py TARGETS.json PORT [INTERVAL_SECONDS]
"""
import base64
import json
import sys
import threading
import time
from datetime import datetime, timezone

import requests
from prometheus_client import Counter, Gauge, start_http_server

STATES = ["waiting", "running", "succeeded", "warning", "failed", "cancelled", "unknown"]
T = ["target", "vendor"]
J = ["target", "vendor", "job_id", "job_name"]

up = Gauge("backup_target_up", "1 if the last poll succeeded.", T)
poll_duration = Gauge("backup_target_poll_duration_seconds", "Wall time of the last poll.", T)
polls = Counter("backup_target_polls", "Polls started.", T)
jobs_known = Gauge("backup_target_jobs", "Jobs currently known.", T)
job_state = Gauge("backup_job_state", "One series per state, exactly one is 1.", J + ["state"])
progress = Gauge("backup_job_progress_ratio", "Progress of the last run, 0-1.", J)
start_ts = Gauge("backup_job_last_run_start_timestamp_seconds", "Start of the last run.", J)
end_ts = Gauge("backup_job_last_run_end_timestamp_seconds", "End of the last run.", J)
duration = Gauge("backup_job_last_run_duration_seconds", "Duration of the last run.", J)
size = Gauge("backup_job_last_run_size_bytes", "Size of the last run.", J)


def iso(text):
    if not text:
        return None
    text = text.rstrip("Z")[:26]  # Python parses at most 6 fractional digits
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def inet(t, s):
    s.headers["Authorization"] = "Bearer " + t["secret"]
    out = []
    for d in s.get(t["url"] + "/api/backup/definitions", timeout=8).json():
        results = s.get(f"{t['url']}/api/backup/definitions/{d['definitionid']}/results", timeout=8).json()[-2:]
        r = max(results, key=lambda r: r.get("created", 0)) if results else None
        if r is None:
            continue
        rs, ci = r["runningStatus"], r.get("contentInformation", {})
        if rs.get("waiting"):
            state = "waiting"
        elif rs.get("running"):
            state = "running"
        elif rs.get("finished"):
            state = "failed" if rs.get("taskErrors") and not ci.get("size") else ("warning" if rs.get("taskErrors") else "succeeded")
        else:
            state = "unknown"
        tp = [float(v) for v in rs.get("taskProgress", {}).values()]
        prog = 100 if state in ("succeeded", "warning") else (sum(tp) / len(tp) if tp else None)
        st = ci.get("started") / 1000 if ci.get("started") else None
        en = ci.get("ended") / 1000 if ci.get("ended") else None
        out.append((d["definitionid"], d.get("name", ""), state, prog, st, en, ci.get("size")))
    return out


def veeam(t, s):
    if "Authorization" not in s.headers:
        tok = s.post(t["url"] + "/v8/Token", data={"grant_type": "password", "username": t["user"], "password": t["secret"]}, timeout=8).json()
        s.headers["Authorization"] = "Bearer " + tok["access_token"]
    words = {"Running": "running", "Queued": "waiting", "Success": "succeeded", "Warning": "warning", "Failed": "failed", "Stopped": "cancelled"}
    out = []
    for j in s.get(t["url"] + "/v8/Jobs?limit=1000&offset=0", timeout=8).json()["results"]:
        page = s.get(f"{t['url']}/v8/JobSessions?jobId={j['id']}&limit=2&offset=0", timeout=8).json()["results"]
        if not page:
            continue
        r = page[0]
        state = words.get(r.get("status"), "unknown")
        st, en = iso(r.get("creationTime")), iso(r.get("endTime"))
        out.append((j["id"], j.get("name", ""), state, 100 if state == "succeeded" else None, st, en,
                    r.get("statistics", {}).get("transferredDataBytes")))
    return out


def unitrends(t, s):
    if "AuthToken" not in s.headers:
        tok = s.post(t["url"] + "/api/login", json={"username": t["user"], "password": t["secret"]}, timeout=8).json()
        s.headers["AuthToken"] = tok.get("auth_token") or tok.get("token")
    since = int(time.time()) - 3600
    backups = s.post(t["url"] + "/api/backups", json={"start_time": since}, timeout=8).json()["backups"]
    active = {a["client_name"]: a for a in s.get(t["url"] + "/api/jobs/active", timeout=8).json()["data"]}
    newest = {}
    for b in backups:
        if b["client_id"] not in newest or b["id"] > newest[b["client_id"]]["id"]:
            newest[b["client_id"]] = b
    out = []
    for cid, b in newest.items():
        st = datetime.strptime(b["start_date_time"], "%m/%d/%Y %I:%M %p").replace(tzinfo=timezone.utc).timestamp()
        h, m, sec = (int(x) for x in b["duration"].split(":"))
        if not b["complete"]:
            state = "running"
        else:
            state = {"Successful": "succeeded", "Warning": "warning", "Failed": "failed"}.get(b["status"], "unknown")
        a = active.get(b["client_name"])
        prog = a["percent_complete"] if a else (100 if state == "succeeded" else None)
        out.append((str(cid), b["client_name"], state, prog, st, st + h * 3600 + m * 60 + sec if b["complete"] else None, b["size"] * 1048576))
    return out


def commvault(t, s):
    base = t["url"] + "/webconsole/api"
    s.headers["Accept"] = "application/json"
    if "Authtoken" not in s.headers:
        tok = s.post(base + "/Login", json={"username": t["user"], "password": base64.b64encode(t["secret"].encode()).decode()}, timeout=8).json()
        s.headers["Authtoken"] = tok["token"]
    words = {"Running": "running", "Waiting": "waiting", "Pending": "waiting", "Queued": "waiting", "Completed": "succeeded",
             "Committed": "succeeded", "Failed": "failed", "Killed": "cancelled", "Interrupted": "cancelled"}
    jobs = s.get(base + "/Job?completedJobLookupTime=3600&jobFilter=Backup", headers={"limit": "100000", "offset": "0"}, timeout=8).json().get("jobs", [])
    newest = {}
    for j in jobs:
        js = j["jobSummary"]
        sc = js["subclient"]
        key = f"{sc['clientId']}/{sc['backupsetId']}/{sc['subclientId']}"
        if key not in newest or js["jobId"] > newest[key]["jobId"]:
            newest[key] = js
    out = []
    for key, js in newest.items():
        w = js.get("status", "")
        state = "warning" if w.startswith("Completed w/") else words.get(w, "failed" if w.startswith("Failed") or w.startswith("Abnormal") else "unknown")
        sc = js["subclient"]
        out.append((key, f"{sc['clientName']}/{sc['backupsetName']}/{sc['subclientName']}", state, js.get("percentComplete"),
                    js.get("jobStartTime") or None, js.get("jobEndTime") or None, js.get("sizeOfApplication")))
    return out


def eclypse(t, s):
    s.auth = (t["user"], t["secret"])
    out = []
    for job_id in t["jobs"]:
        r = s.get(f"{t['url']}/api/rest/v1/jobs/{job_id}?$format=json", timeout=8).json()
        p, w = r.get("progress"), r.get("status", "")
        state = "running" if w == "" and p is not None and p < 100 else ("succeeded" if w in ("OK", "") else "failed")
        out.append((job_id, "", state, p, None, None, None))
    return out


POLLERS = {"inet": inet, "veeam_m365": veeam, "unitrends": unitrends, "commvault": commvault, "eclypse": eclypse}


def poll_forever(t, interval, offset):
    s = requests.Session()
    labels = (t["name"], t["vendor"])
    time.sleep(offset)
    while True:
        began = time.time()
        polls.labels(*labels).inc()
        try:
            jobs = POLLERS[t["vendor"]](t, s)
            for job_id, name, state, prog, st, en, sz in jobs:
                jl = labels + (job_id, name)
                for w in STATES:
                    job_state.labels(*jl, w).set(1 if w == state else 0)
                if prog is not None:
                    progress.labels(*jl).set(prog / 100)
                if st is not None:
                    start_ts.labels(*jl).set(st)
                    duration.labels(*jl).set((en or time.time()) - st)
                if en is not None:
                    end_ts.labels(*jl).set(en)
                if sz is not None:
                    size.labels(*jl).set(sz)
            jobs_known.labels(*labels).set(len(jobs))
            up.labels(*labels).set(1)
        except Exception as error:  # the typical exporter: any failure marks the target down
            up.labels(*labels).set(0)
            s.headers.pop("Authorization", None)
            s.headers.pop("AuthToken", None)
            s.headers.pop("Authtoken", None)
            print(f"poll of {t['name']} failed: {error!r}", file=sys.stderr)
        poll_duration.labels(*labels).set(time.time() - began)
        time.sleep(max(0.0, interval - (time.time() - began)))


def main():
    targets = json.load(open(sys.argv[1]))
    port = int(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    start_http_server(port, addr="127.0.0.1")
    for i, t in enumerate(targets):
        threading.Thread(target=poll_forever, args=(t, interval, interval * i / len(targets)), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
