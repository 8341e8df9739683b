#!/usr/bin/env bash
# System test: the .deb in a real Debian 12 systemd (a systemd-nspawn container, harness/ beside
# this file), against backup-simulator on the host, scraped by a real Prometheus. It follows the steps of
# packaging/README-service.md ("Run as a service"). Run as root: `make system-test`.
#
# Checks: build (the .deb's contents, Depends and conffiles; lintian --fail-on error,warning with
# the package's own overrides), static (promtool on the rules, catalog vs. EventKind.swift,
# dashboard JSON, unit analysis), install (apt install ./x.deb, nothing enabled, catalog compiled,
# default config valid), start (active only after READY=1, sandbox applied, credentials), journal
# (fields and MESSAGE_IDs from the host with journalctl -D, catalog text with journalctl -x),
# Prometheus (scrape, job states over the HTTP API, gzip: Content-Encoding/Vary, curl --compressed
# equals the plain page, Prometheus's gzipped scrape has as many samples as the page; the shipped
# rules loaded, dashboard queries), reload (RELOADING=1 then READY=1, new config in effect, broken
# config rejected), watchdog (kill -STOP, restart with result 'watchdog', state store intact),
# vendor messages (a job_failed entry with VENDOR_MESSAGE= for each of inet, veeam_m365,
# commvault and unitrends, within 150 s), stop (clean within 5 s), sharding (the template unit
# backup-exporter@.service: shards 0..2 of 3 on 30 targets, each target exported by exactly one
# shard over PromQL, a stopped shard takes only its targets away and BackupExporterShardMissing
# goes pending, 3 -> 4 shards moves at most 40% of the targets, all to the new shard; and, while
# shards 0..2 run, Prometheus in agent mode on the shipped agent.yml scrapes them and
# remote-writes to a central Prometheus with --web.enable-remote-write-receiver, where each of
# the 30 targets arrives exactly once and each shard's shard_info and up arrive).
# The config has seven targets: three i-net (token, password, wrong password), one each of
# veeam_m365, commvault and unitrends; the sharding section replaces it with 30 i-net targets.
# Prints PASS/FAIL lines and 'N passed, N failed'; exits 1 on any failure. Cleans up on exit.
# On a failure, the logs of this run (build, apt, the simulator, Prometheus, the container's
# console and the unit's journal) are copied to $BX_LOGS (default /tmp/bx-systest-logs-<time>/,
# outside the clone, so they survive a CI work folder's cleanup) and the path is printed.
#
# Env: HARNESS_DIR (default /tmp/harness-backup-exporter: the rootfs, the container's state and
# Prometheus's data), CT_NAME (bx-systest), CT_BUILDER (mmdebstrap|debootstrap), PROM_PORT (19190;
# another free port is used if it is taken; the sharding section's Prometheus servers and agent
# take free ports), BX_PORT (19871, the daemon), SIM_PORT (19880, and the next four: one per
# vendor), SHARD_PORT (19900: shard I listens on SHARD_PORT + I, I = 0..3),
# BX_BINARY/BX_SIMULATOR (skip the release build), BX_LOGS, KEEP=1 (leave everything running).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$ROOT/system-test/harness
export HARNESS_DIR=${HARNESS_DIR:-/tmp/harness-backup-exporter}
export CT_NAME=${CT_NAME:-bx-systest}
export CT_BUILDER=${CT_BUILDER:-mmdebstrap}
export PROM_PORT=${PROM_PORT:-19190}
BX_PORT=${BX_PORT:-19871}
SIM_PORT=${SIM_PORT:-19880}
SHARD_PORT=${SHARD_PORT:-19900}
# shellcheck source=/dev/null
. "$HARNESS/lib.sh"
need_root

UNIT=backup-exporter.service
BX="http://127.0.0.1:$BX_PORT"
WORK=$(mktemp -d /tmp/bx-systest.XXXXXX)
PASS=0; FAIL=0
ok()    { PASS=$((PASS+1)); echo "PASS: $*"; }
bad()   { FAIL=$((FAIL+1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# checkx WHAT 'SHELL EXPRESSION': for conditions joined with && (evaluated here, globals visible)
checkx() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# section NAME: a header line, so a failure can be found in a long log
section() { echo "---- $*"; }
show()  { ct_exec systemctl show -p "$1" --value "$UNIT"; }
# Under pipefail, `metric | grep -q X` fails now and then: the page (about 25 KB) takes curl
# more than one write, and when grep -q exits at the first match curl's next write fails (exit
# 23). Pipelines from metric or journal therefore use `grep X >/dev/null`, which reads it all.
metric() { curl -fsS --max-time 3 "$BX/metrics" 2>/dev/null; }
# metric_value REGEX: the value of the first /metrics line matching REGEX (anchored at the start)
metric_value() { metric | grep -E "^$1" | head -1 | awk '{print $NF}'; }
# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds or SECONDS pass
wait_for() { local n=$(($1 * 5)); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }
# journal ARGS...: the container's journal read from the host (journalctl -D), JSON lines
# (entries since this run started the unit: earlier runs may have left theirs in the same journal)
journal() { journal_since "$T_UNIT" "$@"; }
journal_since() { local t=$1; shift; journalctl -D "$CT_ROOT/var/log/journal" --no-pager -o json --since "@$t" "$@" 2>/dev/null; }
sim_fault() { curl -fsS --max-time 3 -X POST "$SIM_URL/_sim/fault?kind=$1${2:+&value=$2}" >/dev/null; }
T_ALL=$(now); T_ALL_EPOCH=$(date +%s)

# ---- logs that outlive the run: whatever fails to start, and everything when a check failed
BX_LOGS=${BX_LOGS:-/tmp/bx-systest-logs-$(date +%Y%m%dT%H%M%S)}
# keep_logs: copy this run's logs to $BX_LOGS (once per file; later calls add what is new)
keep_logs() {
  mkdir -p "$BX_LOGS"
  local f n
  local prom=()   # Prometheus's files only once this run started it: older ones would mislead
  [ "$PROM_TRIED" = 1 ] && prom=("$PROM_DIR"/logs/*.log "$PROM_DIR/prometheus.yml")
  for n in ${TRIED_PROMS[@]+"${TRIED_PROMS[@]}"}; do   # the sharding section's: named NAME-*
    for f in "$HARNESS_DIR/$n"/prom/logs/*.log "$HARNESS_DIR/$n/prom/prometheus.yml"; do
      [ -f "$f" ] && cp "$f" "$BX_LOGS/$n-$(basename "$f")"
    done
  done
  for f in "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err "$WORK"/*.txt "$WORK"/*.json "$CT_LOG" \
           "$HARNESS_DIR/logs/$CT_BUILDER.log" ${prom[@]+"${prom[@]}"}; do
    [ -f "$f" ] || continue
    case "$f" in
      "$CT_LOG") cp "$f" "$BX_LOGS/container-console.log";;
      "$PROM_DIR"/*/prometheus*|"$PROM_DIR"/prometheus*) cp "$f" "$BX_LOGS/";;
      "$PROM_DIR"/*) cp "$f" "$BX_LOGS/prometheus-$(basename "$f")";;
      *) cp "$f" "$BX_LOGS/";;
    esac
  done
  if [ -d "$CT_ROOT/var/log/journal" ] && [ -n "${T_ALL_EPOCH:-}" ]; then
    journal_since "$T_ALL_EPOCH" >"$BX_LOGS/container-journal.json" 2>/dev/null
  fi
  redact_kept
}
redact_kept() { local f; for f in "$BX_LOGS"/*; do redact <"$f" >"$f.r" && mv "$f.r" "$f"; done; }
# failed_to_start WHAT LOG...: keep the logs, print the tail of each and where they are
failed_to_start() {
  local what=$1 f; shift
  keep_logs
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "---- $what: tail of $(basename "$f")"
    redact <"$f" | tail -20
  done
  echo "$what failed to start: logs kept in $BX_LOGS"
}

# ---- cleanup: only what this run started, by PID
SIM_PID=""; OWN_CT=0; OWN_PROM=0; PROM_TRIED=0
# The sharding section's Prometheus servers and agent, each NAME with HARNESS_DIR=$HARNESS_DIR/NAME
# (shards, central, agent): TRIED_PROMS have logs worth keeping, OWN_PROMS were started by this run.
TRIED_PROMS=(); OWN_PROMS=()
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] || [ "$FAIL" != 0 ]; then keep_logs; echo "logs of this run kept in $BX_LOGS"; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: left running (HARNESS_DIR=$HARNESS_DIR, simulator PID $SIM_PID, work folder $WORK)"; return $rc; fi
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  [ $OWN_PROM = 1 ] && "$HARNESS/prometheus-down.sh" >/dev/null 2>&1
  local i   # the last started first: an agent before the Prometheus it writes to
  for ((i = ${#OWN_PROMS[@]} - 1; i >= 0; i--)); do HARNESS_DIR=$HARNESS_DIR/${OWN_PROMS[i]} "$HARNESS/prometheus-down.sh" >/dev/null 2>&1; done
  if [ $OWN_CT = 1 ]; then
    ct_exec systemd-analyze log-level info >/dev/null 2>&1
    "$HARNESS/container-down.sh" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The daemon's and the simulator's ports must be free (Prometheus finds another one if need be).
# (the simulator takes SIM_PORT and the next four, one per vendor; the shards SHARD_PORT and the next three)
for port in "$BX_PORT" "$SIM_PORT" $((SIM_PORT+1)) $((SIM_PORT+2)) $((SIM_PORT+3)) $((SIM_PORT+4)) \
            "$SHARD_PORT" $((SHARD_PORT+1)) $((SHARD_PORT+2)) $((SHARD_PORT+3)); do
  port_free "$port" || { echo "127.0.0.1:$port is in use (set BX_PORT/SIM_PORT)" >&2; exit 1; }
done

# ======================================================================= build
section "build"
t0=$(now)
"$ROOT/scripts/release-binaries.sh" "$WORK" || exit 1
BX_BINARY=$WORK/bin/backup-exporter; BX_SIMULATOR=$WORK/bin/backup-simulator
DEB=$("$ROOT/packaging/deb/build.sh" --binary "$BX_BINARY" --out "$WORK/deb" 2>"$WORK/deb.log")
check "packaging/deb/build.sh built $(basename "${DEB:-none}") ($(elapsed "$t0")s)" [ -f "${DEB:-/nonexistent}" ]
[ -f "${DEB:-/nonexistent}" ] || { cat "$WORK/deb.log"; echo "$PASS passed, $FAIL failed"; exit 1; }
# Debian's own checker: no error and no warning; what it rightly flags but must stay is
# overridden, with the reason, in packaging/deb/lintian-overrides (shipped in the package)
t0=$(now)
lint=$(lintian --fail-on error,warning "$DEB" 2>&1); rc=$?
lint_ew=$(grep -cE '^[EW]: ' <<<"$lint")
checkx "lintian --fail-on error,warning $(basename "$DEB"): exit $rc, $lint_ew errors/warnings ($(elapsed "$t0")s)" '[ $rc = 0 ] && [ "$lint_ew" = 0 ]'
{ [ $rc = 0 ] && [ "$lint_ew" = 0 ]; } || sed 's/^/    /' <<<"$lint"
info=$(dpkg-deb --info "$DEB"); contents=$(dpkg-deb --contents "$DEB")
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
for lib in libc6 libsystemd0 libsqlite3-0 libyaml-0-2 libxml2 libssl3 tzdata; do
  check "deb Depends: has $lib ($depends)" grep -qE "(^|, )$lib( |,|$)" <<<"$depends"
done
# Issue 12: 30 MB installed at most (decimal MB, so 29,296 KiB), which holds only without
# Foundation's ICU data; dpkg's Installed-Size is in KiB.
installed=$(sed -n 's/^ Installed-Size: //p' <<<"$info")
checkx "deb Installed-Size ${installed:-?} KiB <= 29296 KiB (30 MB)" '[ -n "$installed" ] && [ "$installed" -le 29296 ]'
libs=$(ldd "$BX_BINARY" 2>&1); rc=$?
checkx "binary links no Swift runtime library (static stdlib; ldd exit $rc)" '[ $rc = 0 ] && ! grep -q libswift <<<"$libs"'
for f in ./usr/bin/backup-exporter ./lib/systemd/system/backup-exporter.service ./etc/backup-exporter/config.yaml \
         ./lib/systemd/system/backup-exporter@.service ./lib/systemd/system/backup-exporter.socket \
         ./etc/default/backup-exporter-shards \
         ./etc/default/backup-exporter ./usr/lib/systemd/catalog/backup-exporter.catalog \
         ./usr/share/backup-exporter/prometheus/alerts.yml ./usr/share/backup-exporter/prometheus/scrape.yml \
         ./usr/share/backup-exporter/prometheus/agent.yml \
         ./usr/share/backup-exporter/grafana/backup-exporter.json; do
  check "deb contains $f" grep -q " $f\$" <<<"$contents"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)
check "deb conffiles: $(paste -sd' ' <<<"$conffiles")" \
  [ "$conffiles" = "$(printf '/etc/backup-exporter/config.yaml\n/etc/default/backup-exporter\n/etc/default/backup-exporter-shards')" ]
postinst=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./postinst)
checkx "postinst enables and starts nothing" '[ -n "$postinst" ] && ! grep -qE "systemctl (enable|start|restart)|deb-systemd-invoke start" <<<"$postinst"'

# ======================================================================= static checks
section "static checks"
P=$ROOT/packaging
out=$(promtool check rules "$P/prometheus/alerts.yml" 2>&1); rc=$?
check "promtool check rules alerts.yml ($(grep -o '[0-9]* rules found' <<<"$out"))" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"
out=$(cd "$P/prometheus" && promtool test rules alerts_test.yml 2>&1); rc=$?
check "promtool test rules alerts_test.yml" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"
# every alert and recording rule has a test
untested=$(python3 - "$P/prometheus" <<'PY'
import re, sys, pathlib
d = pathlib.Path(sys.argv[1])
rules = set(re.findall(r'^\s*- (?:alert|record): (\S+)', (d / "alerts.yml").read_text(), re.M))
tests = (d / "alerts_test.yml").read_text()
assert rules, "no rules found in alerts.yml"
print(" ".join(sorted(r for r in rules if f"alertname: {r}" not in tests and f"expr: {r}" not in tests)))
PY
); rc=$?
checkx "every rule in alerts.yml has a unit test${untested:+ (untested: $untested)}" '[ $rc = 0 ] && [ -z "$untested" ]'
sed "s#/usr/share/backup-exporter/prometheus/alerts.yml#$P/prometheus/alerts.yml#" "$P/prometheus/scrape.yml" >"$WORK/scrape.yml"
out=$(promtool check config "$WORK/scrape.yml" 2>&1); rc=$?
check "promtool check config scrape.yml" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"
out=$(promtool check config --agent "$P/prometheus/agent.yml" 2>&1); rc=$?
check "promtool check config --agent agent.yml (Prometheus in agent mode)" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"
ids=$(grep -oE '"[0-9a-f]{32}"' "$ROOT/Sources/Daemon/EventKind.swift" | tr -d '"' | sort)
cat_ids=$(grep -oE '^-- [0-9a-f]{32}' "$P/journald/backup-exporter.catalog" | cut -c4- | sort)
checkx "catalog has one entry per MESSAGE_ID in EventKind.swift ($(wc -l <<<"$ids") ids)" '[ -n "$ids" ] && [ "$ids" = "$cat_ids" ]'
python3 - "$P/grafana/backup-exporter.json" <<'PY' >"$WORK/dash.txt" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
names = [v["name"] for v in d["templating"]["list"]]
assert d["templating"]["list"][0]["type"] == "datasource", "first variable is not the data source"
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))
for p in panels(d["panels"]):
    for t in p.get("targets", []):
        assert p["datasource"]["uid"] == "${datasource}" and t["datasource"]["uid"] == "${datasource}", p["title"]
        print(t["expr"].replace("$__rate_interval", "1m").replace('"$job"', '".*"').replace('"$vendor"', '".*"').replace('"$target"', '".*"'))
PY
rc=$?
check "grafana dashboard: valid JSON, every query on the \${datasource} variable ($(wc -l <"$WORK/dash.txt") queries)" [ $rc = 0 ]
[ $rc = 0 ] || tail -5 "$WORK/dash.txt"
titles=$(python3 -c 'import json,sys; print("|".join(p["title"] for p in json.load(open(sys.argv[1]))["panels"]))' "$P/grafana/backup-exporter.json")
check "grafana dashboard: per-vendor overview, jobs table, target health" \
  bash -c "[[ '$titles' == *Per-vendor* && '$titles' == *'Jobs: state, progress, last success age'* && '$titles' == *'Target health'* ]]"

# ======================================================================= container + install
section "container and install"
t0=$(now)
ct_nspawn_pid >/dev/null || OWN_CT=1
if ! "$HARNESS/container-up.sh" >"$WORK/boot.log" 2>&1; then
  bad "container booted"; failed_to_start "the container" "$WORK/boot.log" "$CT_LOG"
  echo "$PASS passed, $FAIL failed"; exit 1
fi
ok "container booted ($(elapsed "$t0")s incl. rootfs)"
# a clean slate: no package, no state, no journal of a previous run's service
ct_exec sh -c 'systemctl stop backup-exporter "backup-exporter@*" 2>/dev/null; dpkg --purge backup-exporter >/dev/null 2>&1; rm -rf /var/lib/private/backup-exporter /var/lib/backup-exporter /var/lib/private/backup-exporter-shard-* /var/lib/backup-exporter-shard-*; systemctl reset-failed'
ct_exec systemd-analyze log-level debug     # PID 1 logs each sd_notify message it gets
cp "$DEB" "$CT_ROOT/root/"
t0=$(now)
ct_exec apt-get update -qq >"$WORK/apt.log" 2>&1
ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/$(basename "$DEB")" >>"$WORK/apt.log" 2>&1; rc=$?
check "apt install ./$(basename "$DEB") in the container ($(elapsed "$t0")s)" [ $rc = 0 ]
[ $rc = 0 ] || { redact <"$WORK/apt.log" | tail -20; }
check "dependencies came from the container's apt: $(ct_exec dpkg-query -W -f='${Status}' libsqlite3-0 2>&1)" \
  [ "$(ct_exec dpkg-query -W -f='${Status}' libsqlite3-0 2>/dev/null)" = "install ok installed" ]
check "unit installed but not enabled ($(ct_exec systemctl is-enabled $UNIT 2>&1))" [ "$(ct_exec systemctl is-enabled $UNIT 2>&1)" = disabled ]
check "unit not started by the package ($(ct_exec systemctl is-active $UNIT 2>&1))" [ "$(ct_exec systemctl is-active $UNIT 2>&1)" = inactive ]
out=$(ct_exec backup-exporter --version 2>&1); rc=$?
debver=$(dpkg-deb --field "$DEB" Version)
checkx "the binary runs in the container without a Swift toolchain: --version exit $rc, '$(head -3 <<<"$out" | paste -sd' ')' (package $debver)" \
  '[ $rc = 0 ] && [ "$out" = "$debver" ]'
out=$(ct_exec backup-exporter check-config /etc/backup-exporter/config.yaml 2>&1); rc=$?
check "the shipped default config passes check-config" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"
out=$(ct_exec journalctl --list-catalog 59a7faebb58949018dba907612d0e7d8 2>&1)
check "catalog compiled in the container: $(head -1 <<<"$out")" grep -q 'failed' <<<"$out"
check "secrets folder root-only: $(ct_exec stat -c '%a %U' /etc/backup-exporter/secrets)" [ "$(ct_exec stat -c '%a %U' /etc/backup-exporter/secrets)" = "700 root" ]
MAX_EXPOSURE=1.5 ANALYZE_ROOT=$CT_ROOT "$HARNESS/analyze-unit.sh" "$CT_ROOT/lib/systemd/system/$UNIT" >"$WORK/analyze.log" 2>&1; rc=$?
exposure=$(grep -o 'exposure [0-9.]*' "$WORK/analyze.log" | head -1)
check "systemd-analyze verify clean and security --offline=true $exposure <= 1.5 (analyze-unit.sh)" [ $rc = 0 ]
[ $rc = 0 ] || cat "$WORK/analyze.log"

# ======================================================================= simulator + config
section "simulator and config"
"$BX_SIMULATOR" --port "$SIM_PORT" >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
wait_for 10 grep -q '^inet http' "$WORK/sim.out"
SIM_URL=$(awk '$1 == "inet" {print $2; exit}' "$WORK/sim.out")
check "backup-simulator serves inet at ${SIM_URL:-?} (PID $SIM_PID)" [ -n "$SIM_URL" ]
if [ -z "$SIM_URL" ]; then
  running "$SIM_PID" || { wait "$SIM_PID"; echo "backup-simulator exited with status $?"; }
  failed_to_start "backup-simulator" "$WORK/sim.out" "$WORK/sim.err"
  echo "$PASS passed, $FAIL failed"; exit 1
fi
creds_line=$(grep '^credentials: inet ' "$WORK/sim.out")
token=$(sed -n 's/.* token=\([^ ]*\).*/\1/p' <<<"$creds_line"); user=$(sed -n 's/.* user=\([^ ]*\).*/\1/p' <<<"$creds_line")
password=$(sed -n 's/.* password=\([^ ]*\).*/\1/p' <<<"$creds_line")
# one target for each other vendor that reports its own words on a failed run, shaped as in
# SimulatorSuite.demoConfig; URLs and credentials as the simulator prints them
sim_url() { awk -v v="$1" '$1 == v {print $2; exit}' "$WORK/sim.out"; }
sim_cred() { sed -n "s/^credentials: $1 \(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$WORK/sim.out" | head -1; }
VEEAM_URL=$(sim_url veeam_m365); COMMVAULT_URL=$(sim_url commvault); UNITRENDS_URL=$(sim_url unitrends)
check "backup-simulator serves veeam_m365, commvault and unitrends too, with credentials" \
  bash -c '[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ -n "$4" ] && [ -n "$5" ] && [ -n "$6" ]' _ \
  "$VEEAM_URL" "$COMMVAULT_URL" "$UNITRENDS_URL" "$(sim_cred veeam_m365 password)" "$(sim_cred commvault password)" "$(sim_cred unitrends password)"
# secrets as README-service.md says: one root-only file each, read through LoadCredential=
printf '%s\n' "$token" | ct_exec install -m600 /dev/stdin /etc/backup-exporter/secrets/inet-token
printf '%s\n' "$password" | ct_exec install -m600 /dev/stdin /etc/backup-exporter/secrets/inet-password
write_config() { # write_config [EXTRA_TARGET_NAME]
  local extra=""
  [ -n "${1:-}" ] && extra="  - name: $1
    vendor: inet
    url: $SIM_URL
    auth:
      token_file: \${CREDENTIALS_DIRECTORY}/secret_inet-token"
  cat <<YML | ct_exec sh -c 'cat > /etc/backup-exporter/config.yaml'
defaults:
  interval: 2s
  timeout: 2s
  jitter: 10%
  max_age: 26h
targets:
  - name: inet-pdfc
    vendor: inet
    url: $SIM_URL
    auth:
      token_file: \${CREDENTIALS_DIRECTORY}/secret_inet-token
  - name: inet-basic
    vendor: inet
    url: $SIM_URL
    auth:
      username: $user
      password_file: \${CREDENTIALS_DIRECTORY}/secret_inet-password
    options:
      results_per_definition: 3
  - name: inet-wrong-password
    vendor: inet
    url: $SIM_URL
    auth:
      username: $user
      password: not-the-password
  - name: m365-prod
    vendor: veeam_m365
    url: $VEEAM_URL
    auth:
      username: $(sim_cred veeam_m365 user)
      password: $(sim_cred veeam_m365 password)
    options:
      api_version: v8
      sessions_per_job: 5
  - name: commvault-commserve
    vendor: commvault
    url: $COMMVAULT_URL/webconsole/api
    auth:
      username: $(sim_cred commvault user)
      password: $(sim_cred commvault password)
  - name: unitrends-appliance
    vendor: unitrends
    url: $UNITRENDS_URL
    timezone: America/New_York
    auth:
      username: $(sim_cred unitrends user)
      password: $(sim_cred unitrends password)
    options:
      history: 48h
      backups_per_job: 5
$extra
YML
}
write_config
ct_exec sed -i "s/^ARGS=.*/ARGS=\"--web.listen-address=127.0.0.1:$BX_PORT\"/" /etc/default/backup-exporter
out=$(ct_exec systemd-run --pipe --wait -q -p DynamicUser=yes -p LoadCredential=secret:/etc/backup-exporter/secrets \
      backup-exporter check-config /etc/backup-exporter/config.yaml 2>&1); rc=$?
check "check-config with the unit's credentials (systemd-run, as in the README)" [ $rc = 0 ]; [ $rc = 0 ] || echo "$out"

# ======================================================================= start: READY=1 gating
section "start"
T_UNIT=$(date +%s)
ct_exec systemctl start --no-block "$UNIT"
seen_activating=0; state=""
for _ in $(seq 300); do
  state=$(ct_exec systemctl show -p ActiveState,SubState --value "$UNIT" | paste -sd/)
  [ "$state" = activating/start ] && seen_activating=1
  [ "$state" = active/running ] && break
  case "$state" in failed/*|inactive/*) break;; esac
  sleep 0.1
done
check "unit active/running after start (state $state)" [ "$state" = active/running ]
MAINPID=$(show MainPID)
if [ "$state" != active/running ] || [ "${MAINPID:-0}" = 0 ]; then
  echo "the daemon did not start; the rest would only fail. Its journal:"
  journalctl -D "$CT_ROOT/var/log/journal" --no-pager -o short-precise -u "$UNIT" -n 25
  echo "$PASS passed, $FAIL failed"; exit 1
fi
pid1log=$(ct_exec journalctl --no-pager -o cat _PID=1 -u "$UNIT" --since "@$T_UNIT")
ready_line=$(grep -n "Got notification message from PID $MAINPID (READY=1" <<<"$pid1log" | head -1 | cut -d: -f1)
running_line=$(grep -n "Changed start -> running" <<<"$pid1log" | tail -1 | cut -d: -f1)
checkx "systemd got READY=1 from the main PID $MAINPID, then changed start -> running (log lines ${ready_line:-?} < ${running_line:-?})" \
  '[ -n "$ready_line" ] && [ -n "$running_line" ] && [ "$ready_line" -lt "$running_line" ]'
check "activating/start was observed before active (not active at exec)" [ $seen_activating = 1 ]
gap=$(( ($(show ActiveEnterTimestampMonotonic) - $(show ExecMainStartTimestampMonotonic)) / 1000 ))
check "ActiveEnter - ExecMainStart = ${gap} ms > 0" [ "$gap" -gt 0 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$BX/-/ready")
check "/-/ready answers 200 as soon as the unit is active ($code)" [ "$code" = 200 ]
st=$(show StatusText)
check "STATUS= reaches systemd: '$st'" [ -n "$st" ]
stat=$(ct_exec grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' "/proc/$MAINPID/status" | awk '{print $1 $2}' | paste -sd' ')
check "sandbox applied to the daemon: $stat" bash -c "[[ '$stat' =~ Uid:[1-9] && '$stat' == *CapEff:0000000000000000* && '$stat' == *NoNewPrivs:1* && '$stat' == *Seccomp:2* ]]"
check "MemoryDenyWriteExecute=yes in effect ($(show MemoryDenyWriteExecute)) and the Swift runtime runs under it" [ "$(show MemoryDenyWriteExecute)" = yes ]
# systemd gives a service a soft limit of 1024 open files; the daemon raises it to the hard one
# (SystemCallFilter= lets setrlimit/prlimit64 through for that)
read -r nofile_soft nofile_hard < <(ct_exec awk '/^Max open files/ {print $4, $5}' "/proc/$MAINPID/limits")
checkx "open file limit raised to the hard limit under the sandbox (soft $nofile_soft, hard $nofile_hard)" \
  '[ -n "$nofile_soft" ] && [ "$nofile_soft" = "$nofile_hard" ] && [ "$nofile_soft" -gt 1024 ]'
creds=$(ct_exec sh -c "ls /run/credentials/$UNIT/ 2>/dev/null" | paste -sd' ')
check "LoadCredential= loaded the secrets folder: $creds" [ "$creds" = "secret_inet-password secret_inet-token" ]

# ======================================================================= metrics from the daemon
section "metrics"
up_pdfc() { [ "$(metric_value 'backup_target_up\{target="inet-pdfc"')" = 1 ]; }
wait_for 20 up_pdfc
check "backup_target_up{target=\"inet-pdfc\"} 1 (token credential)" up_pdfc
check "backup_target_up{target=\"inet-basic\"} 1 (password credential)" [ "$(metric_value 'backup_target_up\{target="inet-basic"')" = 1 ]
down_auth() { metric | grep -E '^backup_target_poll_errors_total\{target="inet-wrong-password",vendor="inet",reason="auth"\} [1-9]' >/dev/null; }
wait_for 10 down_auth
check "inet-wrong-password is down with reason auth" [ "$(metric_value 'backup_target_up\{target="inet-wrong-password"')" = 0 ]
max_age_26h() { [ "$(metric | grep -c '^backup_job_max_age_seconds{target="inet-pdfc".* 93600$')" -ge 1 ]; }
check "backup_job_max_age_seconds is 26h (93600) for inet-pdfc's jobs" max_age_26h
pstats=$(metric | grep -cE '^process_(start_time_seconds|resident_memory_bytes|open_fds|max_fds|cpu_seconds_total) ')
check "process_* metrics readable inside the sandbox (ProtectProc=invisible): $pstats of 5" [ "$pstats" = 5 ]
has_runs() { metric | grep '^backup_job_runs_total{target="inet-pdfc"' >/dev/null; }
wait_for 20 has_runs
check "finished runs counted (backup_job_runs_total for inet-pdfc)" has_runs

# ======================================================================= journal
section "journal"
sleep 1
J=$WORK/journal.json
journal -u "$UNIT" >"$J"
python3 - "$J" >"$WORK/journal-check.txt" <<'PY'
import json, sys
ids = {"job_succeeded": "724b8a97834d498086a6134eedc2087d", "job_warning": "cfddb2768bca4a1aa8c3d60215832150",
       "job_failed": "59a7faebb58949018dba907612d0e7d8", "job_cancelled": "252ee2cab5cf4e319c4cc47ca0baec9c",
       "job_running": "0716aa8d5e0c4584816f3091b97db1aa", "job_waiting": "df5d429efb964b21825ec81163e985d6",
       "job_unknown": "cacca9f9aa194065a14984d7f86b9379", "target_down": "8e29db717a8640e8b419a3cd8889af90",
       "target_up": "f2a0b975864c4457b68ad4f2680fa493", "config_reloaded": "46ad262da5db453fa50a2885464c9155",
       "config_rejected": "f2e4ef50da654bc3bc0b21ec19e94b01"}
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
events = [e for e in entries if e.get("EVENT")]
jobs = [e for e in events if e["EVENT"].startswith("job_")]
problems = []
for e in events:
    if e.get("MESSAGE_ID") != ids.get(e["EVENT"]): problems.append(f"{e['EVENT']} has MESSAGE_ID {e.get('MESSAGE_ID')}")
    if e.get("SYSLOG_IDENTIFIER") != "backup-exporter": problems.append("SYSLOG_IDENTIFIER " + str(e.get("SYSLOG_IDENTIFIER")))
for e in jobs:
    for f in ("TARGET", "VENDOR", "JOB_ID", "JOB_NAME", "RUN_ID", "STATE", "PRIORITY", "CODE_FILE"):
        if not e.get(f): problems.append(f"{e['EVENT']} lacks {f}")
    if "job_" + e.get("STATE", "") != e["EVENT"]: problems.append(f"STATE {e.get('STATE')} vs EVENT {e['EVENT']}")
down = [e for e in events if e["EVENT"] == "target_down" and e.get("TARGET") == "inet-wrong-password"]
print(f"entries={len(entries)} events={len(events)} job_entries={len(jobs)} states={sorted({e['STATE'] for e in jobs})}")
print("target_down(inet-wrong-password):", [(e.get("REASON"), e.get("PRIORITY")) for e in down])
print("problems:", problems[:5])
ok = jobs and not problems and len(down) == 1 and down[0].get("REASON") == "auth" and down[0].get("PRIORITY") == "4" \
     and any(e["EVENT"] == "config_reloaded" for e in events)
sys.exit(0 if ok else 1)
PY
rc=$?
check "journal (journalctl -D from the host): $(paste -sd' ' "$WORK/journal-check.txt")" [ $rc = 0 ]
n=$(journal -u "$UNIT" MESSAGE_ID=8e29db717a8640e8b419a3cd8889af90 TARGET=inet-wrong-password | grep -c .)
check "journalctl MESSAGE_ID=8e29… TARGET=inet-wrong-password: exactly one target_down entry ($n)" [ "$n" = 1 ]
out=$(ct_exec journalctl -x --no-pager --since "@$T_UNIT" -u "$UNIT" MESSAGE_ID=8e29db717a8640e8b419a3cd8889af90 TARGET=inet-wrong-password)
if grep -q 'Subject: Backup target inet-wrong-password is down (auth)' <<<"$out" && grep -q 'credentials refused' <<<"$out"; then
  ok "journalctl -x shows the catalog text with @TARGET@/@REASON@ filled in"
else
  bad "journalctl -x shows the catalog text with @TARGET@/@REASON@ filled in"; head -20 <<<"$out"
fi
out=$(ct_exec journalctl -x --no-pager --since "@$T_UNIT" -u "$UNIT" -n 1 MESSAGE_ID=46ad262da5db453fa50a2885464c9155)
check "journalctl -x explains config_reloaded too" grep -q 'Subject: backup-exporter configuration loaded' <<<"$out"
n=$(ct_exec journalctl --no-pager -o cat -u "$UNIT" -p warning --since -1d | grep -c .)
check "README one-liner: journalctl -u backup-exporter -p warning --since -1d -> $n entries" [ "$n" -ge 1 ]

# ======================================================================= Prometheus
section "prometheus"
pid_alive "$PROM_DIR/prometheus.pid" prometheus >/dev/null || OWN_PROM=1
# scraped as in the shipped scrape.yml (job backup-exporter, the name the rules expect), with the
# shipped rules; prometheus-up.sh waits for /-/ready and retries once on a fresh port if need be
t0=$(now); PROM_TRIED=1
if PROM_TARGETS=127.0.0.1:$BX_PORT PROM_RULES=$P/prometheus/alerts.yml "$HARNESS/prometheus-up.sh" >"$WORK/prometheus-up.log" 2>&1; then
  PROM_URL=$(prom_url)
  ok "Prometheus ready at $PROM_URL ($(elapsed "$t0")s; $(grep -c '^\[.*attempt [0-9]:' "$WORK/prometheus-up.log") failed attempts)"
else
  bad "Prometheus started"
  failed_to_start "Prometheus" "$WORK/prometheus-up.log" "$PROM_DIR"/logs/prometheus.attempt-*.log
  echo "$PASS passed, $FAIL failed"; exit 1
fi
scraped() { [ "$(target_health backup-exporter)" = up ]; }
wait_for 30 scraped
check "Prometheus scrapes the daemon in the container (backup-exporter: $(target_health backup-exporter))" scraped
q=$(prom_query 'count(backup_job_state{job="backup-exporter",target="inet-pdfc"} == 1)' | awk '{print $2}')
check "PromQL: each of inet-pdfc's 3 jobs has exactly one state at 1 (count = $q)" [ "$q" = 3 ]
q=$(prom_query 'backup_target_up{job="backup-exporter"}' | sed -n 's/.*target="\([^"]*\)".* \([01]\)$/\1=\2/p' | sort | paste -sd' ')
check "PromQL backup_target_up: $q" [ "$q" = "commvault-commserve=1 inet-basic=1 inet-pdfc=1 inet-wrong-password=0 m365-prod=1 unitrends-appliance=1" ]
# Freeze the job states: the i-net simulator answers 503, so every i-net target goes down and
# keeps its jobs' last values. Then Prometheus, the daemon's page and the journal must agree on
# every job's state. (The fault is the i-net simulator's only: the other vendors stay up.)
sim_fault status 503
frozen() { [ "$(prom_query 'sum(backup_target_up{job="backup-exporter",vendor="inet"})' | awk '{print $2}')" = 0 ]; }
wait_for 20 frozen
check "fault 503: PromQL sum(backup_target_up{vendor=\"inet\"}) = 0" frozen
sleep 2
# gzip: asked for it, the daemon compresses; Prometheus asks for gzip on every scrape, so a
# healthy scrape whose sample count equals the uncompressed page's went through gzip. Frozen
# (the i-net targets down), the set of series holds still while we compare.
curl -fsS --max-time 3 -H 'Accept-Encoding: gzip' -D "$WORK/gzip-headers.txt" -o "$WORK/page.gz" "$BX/metrics"; rc=$?
ce=$(tr -d '\r' <"$WORK/gzip-headers.txt" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p')
vary=$(tr -d '\r' <"$WORK/gzip-headers.txt" | sed -n 's/^[Vv]ary: *//p')
gz_ok=0; gunzip -t <"$WORK/page.gz" 2>/dev/null && gz_ok=1
checkx "gzip asked: curl exit $rc, Content-Encoding: ${ce:-none}, Vary: ${vary:-none}, body gunzips ($gz_ok)" \
  '[ $rc = 0 ] && [ "$ce" = gzip ] && [ "$vary" = Accept-Encoding ] && [ $gz_ok = 1 ]'
noproc() { grep -vE '^(# [A-Z]+ )?process_'; }
same_page() {
  plain=$(curl -fsS --max-time 3 "$BX/metrics" | noproc); comp=$(curl -fsS --max-time 3 --compressed "$BX/metrics" | noproc)
  [ -n "$plain" ] && [ "$plain" = "$comp" ]
}
wait_for 5 same_page
checkx "curl --compressed equals the plain page but for process_* ($(grep -c . <<<"$plain") lines)" '[ -n "$plain" ] && [ "$plain" = "$comp" ]'
[ -n "$plain" ] && [ "$plain" != "$comp" ] && diff <(echo "$plain") <(echo "$comp") | head -10
# Prometheus 2.x's own Accept header (OpenMetrics first): the page it gets, uncompressed
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
same_count() {
  n_page=$(curl -fsS --max-time 3 -H "Accept: $PROM_ACCEPT" "$BX/metrics" | grep -cvE '^(#|$)')
  n_prom=$(prom_query 'scrape_samples_scraped{job="backup-exporter"}' | awk '{print $2}')
  up_prom=$(prom_query 'up{job="backup-exporter"}' | awk '{print $2}')
  [ "$up_prom" = 1 ] && [ -n "$n_prom" ] && [ "$n_prom" = "$n_page" ]
}
wait_for 10 same_count
checkx "Prometheus scrapes it gzipped: up{job=\"backup-exporter\"} ${up_prom:-?}, scrape_samples_scraped ${n_prom:-?} = ${n_page:-?} samples in the uncompressed page" \
  '[ "$up_prom" = 1 ] && [ -n "$n_prom" ] && [ "$n_prom" = "$n_page" ]'
want=$(metric | sed -n 's/^backup_job_state{target="inet-pdfc",vendor="inet",job_id="\([^"]*\)",.*state="\([a-z]*\)"} 1$/\1=\2/p' | sort | paste -sd' ')
got=$(prom_query 'backup_job_state{job="backup-exporter",target="inet-pdfc"} == 1' | sed -n 's/.*job_id="\([^"]*\)".*state="\([a-z]*\)".*/\1=\2/p' | sort | paste -sd' ')
checkx "PromQL job states equal the daemon's: $got" '[ -n "$got" ] && [ "$got" = "$want" ]'
last=$(journal -u "$UNIT" TARGET=inet-pdfc | python3 -c '
import json, sys
last = {}
for l in sys.stdin:
    e = json.loads(l)
    if e.get("EVENT", "").startswith("job_"): last[e["JOB_ID"]] = e["STATE"]
print(" ".join(f"{k}={v}" for k, v in sorted(last.items())))')
check "... and equal each job's newest journal entry (STATE)" [ "$last" = "$got" ]
q=$(prom_query 'sum by (reason) (backup_target_poll_errors_total{job="backup-exporter",target="inet-pdfc"}) > 0' | sed -n 's/.*reason="\([a-z]*\)".*/\1/p' | paste -sd' ')
check "PromQL: inet-pdfc's poll errors by reason: $q" [ "$q" = http ]
rules=$(curl -fsS "$PROM_URL/api/v1/rules" | python3 -c '
import json, sys
d = json.load(sys.stdin)
rs = [r for g in d["data"]["groups"] if g["name"].startswith("backup-exporter") for r in g["rules"]]
print(len(rs), " ".join(sorted({r["health"] for r in rs})))')
n_rules=$(grep -cE '^\s*- (alert|record):' "$P/prometheus/alerts.yml")
check "shipped rules loaded by Prometheus and healthy: $rules (alerts.yml has $n_rules)" [ "$rules" = "$n_rules ok" ]
pending() { prom_query 'ALERTS{alertname="BackupTargetDown",target="inet-wrong-password",alertstate="pending"}' | grep -q .; }
wait_for 15 pending
check "BackupTargetDown pending for inet-wrong-password (for: 10m)" pending
check "BackupExporterAbsent not firing" [ -z "$(prom_query 'ALERTS{alertname="BackupExporterAbsent"}')" ]
bad_q=0; n_q=0
while IFS= read -r expr; do
  n_q=$((n_q+1))
  curl -fsS --max-time 5 --get "$PROM_URL/api/v1/query" --data-urlencode "query=$expr" | grep -q '"status":"success"' || { bad_q=$((bad_q+1)); echo "    dashboard query failed: $expr"; }
done <"$WORK/dash.txt"
checkx "every Grafana dashboard query runs on this Prometheus ($n_q queries, $bad_q failed)" '[ "$bad_q" = 0 ] && [ "$n_q" -gt 0 ]'
q=$(prom_query 'count(backup_job_progress_ratio{job=~".*",vendor=~".*",target=~".*"})' | awk '{print $2}')
check "dashboard table's progress query returns jobs ($q)" [ "${q:-0}" -ge 3 ]

# ======================================================================= reload
section "reload"
# still frozen (503): values do not move while we compare
nr=$(show NRestarts)
since=$(date +%s)
write_config inet-reloaded
ct_exec systemctl reload "$UNIT"; rc=$?
check "systemctl reload exits 0" [ $rc = 0 ]
reloaded() { journal_since "$since" -u "$UNIT" MESSAGE_ID=46ad262da5db453fa50a2885464c9155 | grep . >/dev/null; }
wait_for 10 reloaded
check "journal: config_reloaded after the reload" reloaded
tfield=$(journal_since "$since" -u "$UNIT" MESSAGE_ID=46ad262da5db453fa50a2885464c9155 | python3 -c 'import json,sys; print([json.loads(l).get("TARGETS") for l in sys.stdin][-1])')
check "config_reloaded entry has TARGETS=7 ($tfield)" [ "$tfield" = 7 ]
newtarget() { metric | grep '^backup_target_up{target="inet-reloaded"' >/dev/null; }
wait_for 10 newtarget
check "the new target is polled after the reload (backup_target_up{target=\"inet-reloaded\"})" newtarget
pid1log=$(ct_exec journalctl --no-pager -o cat _PID=1 -u "$UNIT" --since "@$since")
rl=$(grep -n "Got notification message from PID $MAINPID (RELOADING=1" <<<"$pid1log" | head -1 | cut -d: -f1)
rd=$(grep -n "Got notification message from PID $MAINPID (READY=1" <<<"$pid1log" | tail -1 | cut -d: -f1)
checkx "systemd got RELOADING=1 then READY=1 from PID $MAINPID (log lines ${rl:-?} < ${rd:-?})" '[ -n "$rl" ] && [ -n "$rd" ] && [ "$rl" -lt "$rd" ]'
checkx "same main PID, no restart, active ($(show MainPID), NRestarts $(show NRestarts), $(show ActiveState))" \
  '[ "$(show MainPID)" = "$MAINPID" ] && [ "$(show NRestarts)" = "$nr" ] && [ "$(show ActiveState)" = active ]'
# a broken config is rejected and the previous one keeps running
since=$(date +%s)
ct_exec sh -c 'echo "  - name: broken" >> /etc/backup-exporter/config.yaml; echo "    vendr: inet" >> /etc/backup-exporter/config.yaml'
ct_exec systemctl reload "$UNIT"
rejected() { journal_since "$since" -u "$UNIT" MESSAGE_ID=f2e4ef50da654bc3bc0b21ec19e94b01 | grep . >/dev/null; }
wait_for 10 rejected
check "broken config: config_rejected in the journal" rejected
check "broken config: backup_exporter_config_last_reload_successful 0, still active, inet-reloaded still polled" \
  bash -c "[ '$(metric_value backup_exporter_config_last_reload_successful)' = 0 ] && [ '$(show ActiveState)' = active ] && [ '$(show MainPID)' = '$MAINPID' ] && curl -fsS '$BX/metrics' | grep '^backup_target_up{target=\"inet-reloaded\"' >/dev/null"
write_config inet-reloaded
ct_exec systemctl reload "$UNIT"
reload_ok() { [ "$(metric_value backup_exporter_config_last_reload_successful)" = 1 ]; }
wait_for 10 reload_ok
check "fixed config: backup_exporter_config_last_reload_successful 1 again" reload_ok

# ======================================================================= watchdog
section "watchdog"
# The fault is still on, so nothing new is counted: the store's values are stable across the kill.
runs_before=$(metric | grep -E '^backup_job_(runs_total|last_success_timestamp_seconds)\{target="inet-pdfc"' | sort)
check "state before: $(grep -c . <<<"$runs_before") runs_total/last_success series for inet-pdfc" [ -n "$runs_before" ]
nr=$(show NRestarts); t0=$(now); t_wd=$(date +%s)
ct_exec sh -c "kill -STOP $MAINPID"
restarted() { [ "$(show NRestarts)" -gt "$nr" ] && [ "$(show ActiveState)" = active ]; }
wait_for 60 restarted
check "kill -STOP: systemd restarted it (NRestarts $nr -> $(show NRestarts), $(elapsed "$t0")s, WatchdogSec=30s)" restarted
pid1log=$(ct_exec journalctl --no-pager -o cat _PID=1 -u "$UNIT" --since "@$t_wd")
check "journal: 'Watchdog timeout (limit 30s)!'" grep -q 'Watchdog timeout (limit 30s)!' <<<"$pid1log"
check "journal: \"Failed with result 'watchdog'\"" grep -q "Failed with result 'watchdog'" <<<"$pid1log"
NEWPID=$(show MainPID)
check "new main PID ($MAINPID -> $NEWPID)" [ "$NEWPID" != "$MAINPID" ]
ready_again() { curl -fs --max-time 2 "$BX/-/ready" >/dev/null; }
wait_for 10 ready_again
sleep 3   # a few polls of the (still failing) targets
runs_after=$(metric | grep -E '^backup_job_(runs_total|last_success_timestamp_seconds)\{target="inet-pdfc"' | sort)
checkx "state store intact after the watchdog restart: runs_total and last_success unchanged" '[ -n "$runs_after" ] && [ "$runs_after" = "$runs_before" ]'
[ "$runs_after" = "$runs_before" ] || diff <(echo "$runs_before") <(echo "$runs_after") | head -10
sim_fault none
up_again() { [ "$(metric_value 'backup_target_up\{target="inet-pdfc"')" = 1 ]; }
wait_for 20 up_again
check "fault cleared: inet-pdfc up again" up_again
# counted once: after the first polls, every (job, result) counter is >= before, and grows by at
# most the runs finished since (none of the demo jobs finishes more than once a minute)
python3 - <(echo "$runs_before") <(metric | grep -E '^backup_job_runs_total\{target="inet-pdfc"' | sort) <<'PY' >"$WORK/runs.txt"
import sys
def load(p):
    return {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in open(p) if l.startswith("backup_job_runs_total")}
b, a = load(sys.argv[1]), load(sys.argv[2])
d = {k: a.get(k, 0) - v for k, v in b.items()}
print(" ".join(f"{k.split('job_id=')[1][:9]}..{k.split('result=')[1][:-1]}:+{v:g}" for k, v in d.items()))
sys.exit(0 if b and all(0 <= v <= 2 for v in d.values()) else 1)
PY
rc=$?
check "runs not counted twice after the restart ($(cat "$WORK/runs.txt"))" [ $rc = 0 ]

# ======================================================================= the vendors' own words
section "vendor messages"
# A failed run's journal entry (job_failed) carries the vendor's own text as VENDOR_MESSAGE=: the
# words each simulator puts in its failure field (i-net taskErrors, Veeam session details,
# Commvault pendingReason or AdvancedDetails' FailureReason, Unitrends output), not just any text
# (a Veeam message can be the exporter's own retry note alone).
# The simulators' demo jobs fail about once a minute; by now the unit has run for a while, and
# any vendor still missing one gets at most 150 s more (all four waited for together).
vendor_words() {
  journal -u "$UNIT" MESSAGE_ID=59a7faebb58949018dba907612d0e7d8 | python3 -c '
import json, re, sys
simulators = {
    "inet": r"database: target volume not writable",
    "veeam_m365": r"Failed to process mailbox \S+@contoso\.example",
    "commvault": r"Error Code: \[19:857\]|The data path to the storage policy of .+ is offline",
    "unitrends": r"Backup of .+ failed: the client .+ did not answer",
}
words = {}
for l in sys.stdin:
    e = json.loads(l)
    m = e.get("VENDOR_MESSAGE")
    if isinstance(m, list): m = bytes(m).decode("utf-8", "replace")
    v = e.get("VENDOR")
    if v in simulators and m and re.search(simulators[v], " ".join(m.split())):
        words.setdefault(v, (e.get("TARGET"), e.get("JOB_NAME"), " ".join(m.split())))
for v, (t, j, m) in sorted(words.items()): print(f"{v}\t{t}\t{j}\t{m}")' >"$WORK/vendor-words.txt"
  local v; for v in inet veeam_m365 commvault unitrends; do grep -q "^$v	" "$WORK/vendor-words.txt" || return 1; done
}
t0=$(now); deadline=$(( $(date +%s) + 150 ))
until vendor_words || [ "$(date +%s)" -ge "$deadline" ]; do sleep 2; done
for v in inet veeam_m365 commvault unitrends; do
  line=$(grep "^$v	" "$WORK/vendor-words.txt" | head -1)
  desc="none within 150 s"
  if [ -n "$line" ]; then IFS=$'\t' read -r _ vt vj vm <<<"$line"; desc="\"$vm\" ($vt, job $vj)"; fi
  check "journal MESSAGE_ID=59a7… (job failed) for $v: the simulator's words as VENDOR_MESSAGE, $desc (waited $(elapsed "$t0")s)" [ -n "$line" ]
done

# ======================================================================= socket activation
section "socket activation"
# README-service.md's recipe: backup-exporter.socket holds the listening socket and the service
# serves it (--web.systemd-socket), so a scrape that arrives during a restart waits in systemd's
# backlog and is answered by the next process. A client scrapes every 100 ms, one new connection
# per request, across `systemctl restart` and a watchdog restart (kill -STOP).
ct_exec sh -c "mkdir -p /etc/systemd/system/backup-exporter.socket.d && printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$BX_PORT\n' > /etc/systemd/system/backup-exporter.socket.d/port.conf"
ct_exec sed -i 's/^ARGS=.*/ARGS="--web.systemd-socket"/' /etc/default/backup-exporter
ct_exec systemctl stop "$UNIT"
ct_exec systemctl daemon-reload
ct_exec systemctl start backup-exporter.socket
check "backup-exporter.socket active ($(ct_exec systemctl is-active backup-exporter.socket))" [ "$(ct_exec systemctl is-active backup-exporter.socket)" = active ]
T_SOCK=$(date +%s)
ct_exec systemctl start "$UNIT"
ready_again() { curl -fs --max-time 2 "$BX/-/ready" >/dev/null; }
wait_for 15 ready_again
serves_socket() { journal_since "$T_SOCK" -u "$UNIT" | grep '"SYSTEMD_SOCKET":"true"' >/dev/null; }
check "the service serves the socket systemd passed (journal: listening, SYSTEMD_SOCKET=true)" serves_socket
rm -f "$WORK/scraper.stop"
python3 "$ROOT/system-test/tools/steady-scraper.py" "$BX/metrics" "$WORK/scraper.stop" 0.1 60 >"$WORK/scraper-restart.txt" 2>&1 &
SCRAPER=$!
sleep 2
t0=$(now); ct_exec systemctl restart "$UNIT"
wait_for 15 ready_again; t_restart=$(elapsed "$t0")
sleep 2
touch "$WORK/scraper.stop"; wait "$SCRAPER"
res=$(cat "$WORK/scraper-restart.txt")
checkx "systemctl restart (${t_restart}s) under a scrape every 100 ms: none refused, none failed ($res)" \
  '[[ "$res" =~ ok=([0-9]+)\ refused=0\ error=0\ non200=0 ]] && [ "${BASH_REMATCH[1]}" -ge 20 ]'
rm -f "$WORK/scraper.stop"
python3 "$ROOT/system-test/tools/steady-scraper.py" "$BX/metrics" "$WORK/scraper.stop" 0.1 60 >"$WORK/scraper-watchdog.txt" 2>&1 &
SCRAPER=$!
sleep 2
nr=$(show NRestarts); MAINPID=$(show MainPID); t0=$(now)
ct_exec sh -c "kill -STOP $MAINPID"
restarted() { [ "$(show NRestarts)" -gt "$nr" ] && [ "$(show ActiveState)" = active ]; }
wait_for 60 restarted; wait_for 15 ready_again; t_wd=$(elapsed "$t0")
sleep 2
touch "$WORK/scraper.stop"; wait "$SCRAPER"
res=$(cat "$WORK/scraper-watchdog.txt")
# The one request the stopped process may have accepted before SIGSTOP dies with it: that is an
# error, not a refusal, and at most one.
checkx "watchdog restart (${t_wd}s, WatchdogSec=30s) under a scrape every 100 ms: none refused, at most the one in flight lost ($res)" \
  '[[ "$res" =~ ok=([0-9]+)\ refused=0\ error=([01])\ non200=0 ]] && [ "${BASH_REMATCH[1]}" -ge 20 ]'
MAINPID=$(show MainPID)

# ======================================================================= stop
section "stop"
t0=$(now); t_stop_start=$(date +%s)
ct_exec systemctl stop "$UNIT"
t_stop=$(elapsed "$t0")
check "systemctl stop took ${t_stop}s (< 5 s)" awk -v t="$t_stop" 'BEGIN{exit !(t < 5)}'
res=$(show Result)
stoplog=$(ct_exec journalctl --no-pager -o cat _PID=1 -u "$UNIT" --since "@$t_stop_start")
check "clean exit: Result=$res, 'Main process exited, code=exited, status=0/SUCCESS', no SIGKILL" \
  bash -c '[ "$1" = success ] && grep -q "Main process exited, code=exited, status=0/SUCCESS" <<<"$2" && ! grep -q SIGKILL <<<"$2"' _ "$res" "$stoplog"
check "state store kept: /var/lib/private/backup-exporter/state.sqlite" ct_exec test -s /var/lib/private/backup-exporter/state.sqlite
# the socket would start the service again on the next connection
ct_exec systemctl stop backup-exporter.socket

# ======================================================================= sharding
section "sharding"
# The template unit backup-exporter@.service: shards 0..2 of 3 (then 0..3 of 4) on one config of
# 30 i-net targets, each shard on SHARD_PORT + index (ARGS= in /etc/default/backup-exporter@I),
# scraped in one job by a Prometheus of their own with the shipped rules.
t_shard=$(now)
N_SHARD_TARGETS=30
{
  printf 'defaults:\n  interval: 2s\n  timeout: 2s\n  jitter: 10%%\ntargets:\n'
  for i in $(seq -w 1 $N_SHARD_TARGETS); do
    printf '  - name: shard-target-%s\n    vendor: inet\n    url: %s\n    auth:\n      token_file: ${CREDENTIALS_DIRECTORY}/secret_inet-token\n' "$i" "$SIM_URL"
  done
} | ct_exec sh -c 'cat > /etc/backup-exporter/config.yaml'
for i in 0 1 2 3; do
  ct_exec sh -c "echo 'ARGS=\"--web.listen-address=127.0.0.1:$((SHARD_PORT+i))\"' > /etc/default/backup-exporter@$i"
done
set_shard_count() { ct_exec sed -i "s/^SHARD_COUNT=.*/SHARD_COUNT=$1/" /etc/default/backup-exporter-shards; }
shard_page() { curl -fsS --max-time 3 "http://127.0.0.1:$((SHARD_PORT+$1))/metrics" 2>/dev/null; }
# owners "0 1 2": "target shard" lines from each shard's own page, sorted by target
owners() { local i; for i in "$@"; do shard_page "$i" | sed -n "s/^backup_target_up{target=\"\([^\"]*\)\".*/\1 $i/p"; done | sort; }
# shards_report N I...: every shard I runs as shard I of N and together they export all targets
shards_report() {
  local n=$1 i; shift
  for i in "$@"; do shard_page "$i" | grep -E "^backup_exporter_shard_info\{.*index=\"$i\".*count=\"$n\"|^backup_exporter_shard_info\{.*count=\"$n\".*index=\"$i\"" >/dev/null || return 1; done
  [ "$(owners "$@" | awk '{print $1}' | sort -u | grep -c .)" = "$N_SHARD_TARGETS" ]
}
set_shard_count 3
ct_exec systemctl start backup-exporter@0 backup-exporter@1 backup-exporter@2; rc=$?
states=$(for i in 0 1 2; do ct_exec systemctl is-active "backup-exporter@$i"; done | paste -sd' ')
check "systemctl start backup-exporter@0 @1 @2 (SHARD_COUNT=3): exit $rc, $states" [ "$states" = "active active active" ]
wait_for 20 shards_report 3 0 1 2
check "each shard runs as index I of 3 and together they export all $N_SHARD_TARGETS targets ($(owners 0 1 2 | grep -c .) target lines)" shards_report 3 0 1 2
dirs=$(ct_exec sh -c 'ls -d /var/lib/private/backup-exporter-shard-* 2>/dev/null' | xargs -n1 basename 2>/dev/null | paste -sd' ')
check "each shard has its own state directory: $dirs" [ "$dirs" = "backup-exporter-shard-0 backup-exporter-shard-1 backup-exporter-shard-2" ]
# a Prometheus of their own: the single instance's is done
[ $OWN_PROM = 1 ] && "$HARNESS/prometheus-down.sh" >/dev/null 2>&1 && OWN_PROM=0
# prom_up NAME VAR=VALUE...: prometheus-up.sh with HARNESS_DIR=$HARNESS_DIR/NAME and the VARs, on
# a free port, its output in $WORK/prometheus-NAME-up.log; prom_down NAME stops it if this run
# started it (but for KEEP=1)
prom_up() {
  local name=$1; shift
  TRIED_PROMS+=("$name")
  pid_alive "$HARNESS_DIR/$name/prom/prometheus.pid" prometheus >/dev/null || OWN_PROMS+=("$name")
  env HARNESS_DIR="$HARNESS_DIR/$name" PROM_PORT="$(free_port)" "$@" "$HARNESS/prometheus-up.sh" >"$WORK/prometheus-$name-up.log" 2>&1
}
prom_down() {
  [[ " ${OWN_PROMS[*]} " == *" $1 "* ]] && [ "${KEEP:-0}" != 1 ] || return 0
  HARNESS_DIR=$HARNESS_DIR/$1 "$HARNESS/prometheus-down.sh" >/dev/null 2>&1
}
SPROM_DIR=$HARNESS_DIR/shards/prom
sq() { PROM_DIR=$SPROM_DIR prom_query "$1"; }
shard_targets=$(for i in 0 1 2 3; do printf '127.0.0.1:%s,' $((SHARD_PORT+i)); done); shard_targets=${shard_targets%,}
if prom_up shards PROM_TARGETS="$shard_targets" PROM_RULES="$P/prometheus/alerts.yml"; then
  ok "a second Prometheus scrapes the shard ports $shard_targets in one job ($(PROM_DIR=$SPROM_DIR prom_url))"
else
  bad "a second Prometheus for the shards started"
  failed_to_start "Prometheus (shards)" "$WORK/prometheus-shards-up.log" "$SPROM_DIR"/logs/prometheus.attempt-*.log
  echo "$PASS passed, $FAIL failed"; exit 1
fi
# once_each: every target in backup_target_up exactly once across the shards, and all of them
once_each() {
  per_target=$(sq 'count by (target) (backup_target_up{job="backup-exporter"})')
  n_distinct=$(grep -c . <<<"$per_target"); n_once=$(grep -c ' 1$' <<<"$per_target")
  owned_sum=$(sq 'sum(backup_exporter_targets{job="backup-exporter",owned="true"})' | awk '{print $2}')
  [ "$n_distinct" = "$N_SHARD_TARGETS" ] && [ "$n_once" = "$N_SHARD_TARGETS" ] && [ "$owned_sum" = "$N_SHARD_TARGETS" ]
}
wait_for 30 once_each
checkx "PromQL: count by (target) (backup_target_up) == 1 for $n_once of $n_distinct distinct targets (want $N_SHARD_TARGETS)" \
  '[ "$n_distinct" = "$N_SHARD_TARGETS" ] && [ "$n_once" = "$N_SHARD_TARGETS" ]'
check "PromQL: sum(backup_exporter_targets{owned=\"true\"}) = ${owned_sum:-?} (want $N_SHARD_TARGETS)" [ "$owned_sum" = "$N_SHARD_TARGETS" ]
before=$(owners 0 1 2)
echo "    targets per shard (3): $(awk '{print $2}' <<<"$before" | sort | uniq -c | awk '{printf "@%s=%s ", $2, $1}')"

# Beyond one machine: Prometheus in agent mode next to the shards scrapes them and remote-writes
# to a central Prometheus (--web.enable-remote-write-receiver), as Thanos, Mimir and Cortex sites
# run it. The agent runs the shipped packaging/prometheus/agent.yml with only its hosts, ports and
# intervals swapped for the test's; the central one scrapes nothing of ours and loads the shipped
# rules. Over PromQL on the central one: every target exactly once, each with the agent's
# external label, and every shard's backup_exporter_shard_info and up. Both stop at the end.
CPROM_DIR=$HARNESS_DIR/central/prom
cq() { PROM_DIR=$CPROM_DIR prom_query "$1"; }
agent_to_central() {
  local central rw t0 t_ready t_all what t_agent_mode deadline all_in
  t_agent_mode=$(now)
  if ! prom_up central PROM_RECEIVER=1 PROM_RULES="$P/prometheus/alerts.yml"; then
    bad "a central Prometheus with --web.enable-remote-write-receiver started"
    failed_to_start "Prometheus (central)" "$WORK/prometheus-central-up.log" "$CPROM_DIR"/logs/prometheus.attempt-*.log
    return 1
  fi
  central=$(PROM_DIR=$CPROM_DIR prom_url); rw=$central/api/v1/write
  ok "a central Prometheus with --web.enable-remote-write-receiver and the shipped rules ($central)"
  sed -e "s#backup-monitor\.example\.net:9900#127.0.0.1:$SHARD_PORT#" \
      -e "s#backup-monitor\.example\.net:9901#127.0.0.1:$((SHARD_PORT+1))#" \
      -e "s#backup-monitor\.example\.net:9902#127.0.0.1:$((SHARD_PORT+2))#" \
      -e "s#http://prometheus-central\.example\.net:9090/api/v1/write#$rw#" \
      -e 's#scrape_interval: 30s#scrape_interval: 1s#' -e 's#scrape_timeout: 10s#scrape_timeout: 1s#' \
      "$P/prometheus/agent.yml" >"$WORK/agent.yml"
  body=$(grep -v '^ *#' "$WORK/agent.yml")
  agent_label=$(sed -n 's/^ *agent: *\([^ #]*\).*/\1/p' <<<"$body")
  # the example still has the lines the test swaps; else the agent would not run as shipped
  templated() {
    local i
    ! grep -q "example\.net" <<<"$body" && grep -q "url: $rw\$" <<<"$body" && grep -q "scrape_interval: 1s" <<<"$body" \
      && [ -n "$agent_label" ] || return 1
    for i in 0 1 2; do grep -q "127\.0\.0\.1:$((SHARD_PORT+i))[],]" <<<"$body" || return 1; done
  }
  what="packaging/prometheus/agent.yml templated: shards @0..2 on 127.0.0.1:$SHARD_PORT..$((SHARD_PORT+2)), remote_write to $rw, 1 s scrapes, external label agent=\"$agent_label\""
  if templated; then ok "$what"; else bad "$what"; sed 's/^/    /' <<<"$body"; prom_down central; return 1; fi
  t0=$(now)
  if ! prom_up agent PROM_AGENT=1 PROM_CONFIG="$WORK/agent.yml"; then
    bad "Prometheus in agent mode started"
    failed_to_start "Prometheus (agent)" "$WORK/prometheus-agent-up.log" "$HARNESS_DIR"/agent/prom/logs/prometheus.attempt-*.log
    prom_down central; return 1
  fi
  t_ready=$(elapsed "$t0")
  ok "Prometheus in agent mode (--enable-feature=agent) on it, its first scrape after ${t_ready}s ($(PROM_DIR=$HARNESS_DIR/agent/prom prom_url))"
  want_targets=$(seq -w 1 "$N_SHARD_TARGETS" | sed 's/^/shard-target-/' | paste -sd' ')
  want_shards="0/3:1 1/3:1 2/3:1"
  arrived() {
    c_per_target=$(cq 'count by (target) (backup_target_up{job="backup-exporter"})')
    c_targets=$(sed -n 's/.*target="\([^"]*\)".*/\1/p' <<<"$c_per_target" | sort | paste -sd' ')
    c_n=$(grep -c . <<<"$c_per_target"); c_once=$(grep -c ' 1$' <<<"$c_per_target")
    c_from_agent=$(cq "count(backup_target_up{job=\"backup-exporter\",agent=\"${agent_label:-(none)}\"})" | awk '{print $2}')
    c_shards=$(cq 'count by (index, count) (backup_exporter_shard_info{job="backup-exporter"})' \
               | sed -n 's/^{count="\([0-9]*\)",index="\([0-9]*\)"} /\2\/\1:/p' | sort | paste -sd' ')
    c_up=$(cq 'up{job="backup-exporter"} == 1' | grep -c .)
    [ "$c_targets" = "$want_targets" ] && [ "$c_once" = "$N_SHARD_TARGETS" ] && [ "$c_from_agent" = "$N_SHARD_TARGETS" ] \
      && [ "$c_shards" = "$want_shards" ] && [ "$c_up" = 3 ]
  }
  # 30 s from the agent's start, by the clock (wait_for counts tries: each is four queries here)
  deadline=$(( ${t0%.*} + 30 )); all_in=0
  while :; do
    if arrived; then all_in=1; break; fi
    [ "$(date +%s)" -ge "$deadline" ] && break
    sleep 0.2
  done
  t_all=$(elapsed "$t0")
  if [ $all_in = 1 ]; then
    echo "    agent -> central: every series checked below on the central Prometheus ${t_all}s after the agent's start (its first scrape after ${t_ready}s)"
  else
    echo "    agent -> central: not all series on the central Prometheus ${t_all}s after the agent's start (30 s allowed); the agent's targets up: $(PROM_DIR=$HARNESS_DIR/agent/prom targets_up 2>&1)"
  fi
  checkx "central Prometheus, PromQL: count by (target) (backup_target_up) == 1 for $c_once of $c_n targets, the config's $N_SHARD_TARGETS, ${c_from_agent:-0} with agent=\"$agent_label\"" \
    '[ "$c_targets" = "$want_targets" ] && [ "$c_once" = "$N_SHARD_TARGETS" ] && [ "$c_from_agent" = "$N_SHARD_TARGETS" ]'
  [ "$c_targets" = "$want_targets" ] || echo "    targets on the central Prometheus: ${c_targets:-none}"
  checkx "central Prometheus: backup_exporter_shard_info of each shard once (index/count: ${c_shards:-none}) and up{job=\"backup-exporter\"} == 1 for $c_up of 3" \
    '[ "$c_shards" = "$want_shards" ] && [ "$c_up" = 3 ]'
  prom_down agent; prom_down central
  echo "timings: agent mode (central and agent up, checks, both stopped) $(elapsed "$t_agent_mode")s"
}
agent_to_central
# one shard stops: only its targets disappear, the others' stay up, and the rule sees it missing
ct_exec systemctl stop backup-exporter@1
others=$(awk '$2 != 1 {print $1}' <<<"$before" | paste -sd' ')
only_others() {
  now_up=$(sq 'backup_target_up{job="backup-exporter"} == 1' | sed -n 's/.*target="\([^"]*\)".*/\1/p' | sort | paste -sd' ')
  now_all=$(sq 'backup_target_up{job="backup-exporter"}' | grep -c .)
  [ -n "$others" ] && [ "$now_up" = "$others" ] && [ "$now_all" = "$(wc -w <<<"$others")" ]
}
wait_for 20 only_others
check "stop backup-exporter@1: only its $(awk '$2 == 1' <<<"$before" | grep -c .) targets leave backup_target_up; the other $(wc -w <<<"$others") stay, all up (now $now_all series)" only_others
missing() { sq 'ALERTS{alertname="BackupExporterShardMissing",job="backup-exporter"}' | grep -E 'alertstate="(pending|firing)"' >/dev/null; }
wait_for 20 missing
check "BackupExporterShardMissing $(sq 'ALERTS{alertname="BackupExporterShardMissing"}' | sed -n 's/.*alertstate="\([a-z]*\)".*/\1/p' | head -1) (for: 5m; pending is enough)" missing
# 3 -> 4 shards: restart all with SHARD_COUNT=4 and start @3
set_shard_count 4
ct_exec systemctl restart backup-exporter@0 backup-exporter@1 backup-exporter@2 backup-exporter@3; rc=$?
states=$(for i in 0 1 2 3; do ct_exec systemctl is-active "backup-exporter@$i"; done | paste -sd' ')
check "SHARD_COUNT=4, systemctl restart @0 @1 @2 @3: exit $rc, $states" [ "$states" = "active active active active" ]
wait_for 20 shards_report 4 0 1 2 3
check "each shard runs as index I of 4 and together they export all $N_SHARD_TARGETS targets" shards_report 4 0 1 2 3
after=$(owners 0 1 2 3)
moves=$(join <(echo "$before") <(echo "$after") | awk '$2 != $3')
n_moved=$(grep -c . <<<"$moves"); n_to_new=$(awk '$3 == 3' <<<"$moves" | grep -c .)
share=$(awk -v m="$n_moved" -v n="$N_SHARD_TARGETS" 'BEGIN{printf "%.0f", 100*m/n}')
echo "    targets per shard (4): $(awk '{print $2}' <<<"$after" | sort | uniq -c | awk '{printf "@%s=%s ", $2, $1}')"
echo "    3 -> 4 shards: $n_moved of $N_SHARD_TARGETS targets moved ($share%; 1/4 = 25% expected): $(awk '{printf "%s:%s->%s ", $1, $2, $3}' <<<"$moves")"
checkx "3 -> 4 shards ($(grep -c . <<<"$before") -> $(grep -c . <<<"$after") targets placed): $n_moved of $N_SHARD_TARGETS targets moved ($share%, at most 40%), all $n_to_new of them to the new shard 3" \
  '[ "$(grep -c . <<<"$before")" = "$N_SHARD_TARGETS" ] && [ "$(grep -c . <<<"$after")" = "$N_SHARD_TARGETS" ] && [ "$n_moved" -ge 1 ] && [ "$((n_moved * 100))" -le "$((N_SHARD_TARGETS * 40))" ] && [ "$n_to_new" = "$n_moved" ]'
wait_for 30 once_each
checkx "after 3 -> 4, PromQL: each of the $n_distinct targets exported by exactly one shard ($n_once), owned sum ${owned_sum:-?}" \
  '[ "$n_distinct" = "$N_SHARD_TARGETS" ] && [ "$n_once" = "$N_SHARD_TARGETS" ] && [ "$owned_sum" = "$N_SHARD_TARGETS" ]'
ct_exec systemctl stop backup-exporter@0 backup-exporter@1 backup-exporter@2 backup-exporter@3
echo "timings: sharding $(elapsed "$t_shard")s"

echo "timings: all $(elapsed "$T_ALL")s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
