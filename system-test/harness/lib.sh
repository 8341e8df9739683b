# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Helpers for the system test's harness (system-test/run.sh and the scripts beside this file):
# a Debian 12 container booted with systemd-nspawn, whose PID 1 is a real systemd with journald,
# driven from the host with nsenter, and a real Prometheus on the host. Source it; do not run it.
# Everything lives under $HARNESS_DIR; nothing is written elsewhere.

HARNESS_DIR=${HARNESS_DIR:-/tmp/harness-backup-exporter}
HARNESS_SUITE=${HARNESS_SUITE:-bookworm}
CT_NAME=${CT_NAME:-bx-systest}
CT_ROOT=${CT_ROOT:-$HARNESS_DIR/rootfs}
CT_STATE="$HARNESS_DIR/ct"                 # pid file and console log of the running container
CT_NSPAWN_PID="$CT_STATE/nspawn.pid"
CT_LOG="$CT_STATE/console.log"
# What the container needs on top of a minbase rootfs: systemd as PID 1 (journald with it) and
# dbus. apt and dpkg are in minbase; the .deb's own dependencies come from the container's apt.
# Changing this list rebuilds the rootfs.
CT_PACKAGES=${CT_PACKAGES:-systemd,systemd-sysv,dbus}
PROM_DIR="$HARNESS_DIR/prom"

log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
now()  { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# running PID: exists and is not a zombie (kill -0 is true for a zombie that is not reaped yet)
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root"; }

# need CMD...: every CMD is installed, or die naming the script that installs them.
need() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} = 0 ] || die "missing ${missing[*]}: run scripts/install-deps.sh --system (make system-test does)"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (a bind test, not an HTTP request: a listener
# that speaks something else, or answers slowly, counts as taken).
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

# free_port: a port the kernel says is free on 127.0.0.1 now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# detect_mirror: the first Debian mirror URI configured for $HARNESS_SUITE in the host's
# /etc/apt/sources.list{,.d/*.list} (one-line style) or /etc/apt/sources.list.d/*.sources
# (deb822), read at run time. HARNESS_MIRROR overrides. No file we keep contains its host name.
detect_mirror() {
  if [ -n "${HARNESS_MIRROR:-}" ]; then echo "$HARNESS_MIRROR"; return 0; fi
  local f u
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    u=$(awk -v S="$HARNESS_SUITE" '
      $1=="deb" { i=2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                  if ($(i+1)==S) { print $i; exit } }' "$f")
    [ -n "$u" ] && { echo "$u"; return 0; }
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk -v S="$HARNESS_SUITE" 'BEGIN{RS=""; FS="\n"}
      { uris=""; suites=""; types=""; en="yes"
        for (i=1;i<=NF;i++) {
          if ($i ~ /^URIs:/)          { sub(/^URIs:[ \t]*/,"",$i); uris=$i }
          else if ($i ~ /^Suites:/)   { sub(/^Suites:[ \t]*/,"",$i); suites=$i }
          else if ($i ~ /^Types:/)    { types=$i }
          else if ($i ~ /^Enabled:[ \t]*no/) { en="no" } }
        if (en=="no" || types !~ /[ \t]deb([ \t]|$)/) next
        n=split(suites,a,/[ \t]+/)
        for (j=1;j<=n;j++) if (a[j]==S) { split(uris,b,/[ \t]+/); print b[1]; exit } }' "$f")
    [ -n "$u" ] && { echo "$u"; return 0; }
  done
  return 1
}

# redact: hide the mirror URI in logs we keep or print.
redact() { local m; m=$(detect_mirror || true); if [ -n "$m" ]; then sed "s#${m}#<MIRROR>#g"; else cat; fi; }

# ct_nspawn_pid: PID of the running systemd-nspawn for $CT_NAME, or nothing (status 1).
ct_nspawn_pid() {
  local p
  [ -f "$CT_NSPAWN_PID" ] || return 1
  p=$(cat "$CT_NSPAWN_PID")
  [ -n "$p" ] && running "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd-nspawn ] || return 1
  echo "$p"
}

# ct_leader: host PID of the container's PID 1 (systemd), a child of systemd-nspawn.
ct_leader() {
  local np c
  np=$(ct_nspawn_pid) || return 1
  for c in $(ps -o pid= --ppid "$np"); do
    if grep -qE '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$c/status" 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

# ct_exec CMD...: run CMD inside all namespaces of the container. The host has no systemd or
# machined, so machinectl, systemctl -M and systemd-run -M cannot reach it; nsenter can.
ct_exec() {
  local l; l=$(ct_leader) || die "container $CT_NAME is not running (container-up.sh)"
  SYSTEMD_PAGER='' SYSTEMD_COLORS=0 nsenter --target "$l" --all -- "$@"
}

# pid_alive PIDFILE COMM: print the PID if PIDFILE names a live process whose comm is COMM.
pid_alive() {
  local p; [ -f "$1" ] || return 1; p=$(cat "$1")
  [ -n "$p" ] && running "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] || return 1
  echo "$p"
}

# stop_pidfile PIDFILE COMM: SIGTERM, wait up to 10 s, SIGKILL; only that PID.
stop_pidfile() {
  local p; p=$(pid_alive "$1" "$2") || { rm -f "$1"; return 0; }
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 100); do running "$p" || break; sleep 0.1; done
  running "$p" && { log "SIGKILL $2 $p"; kill -KILL "$p" 2>/dev/null || true; }
  rm -f "$1"; log "stopped $2 (PID $p)"
}

# prom_url: the URL of the Prometheus prometheus-up.sh started (its port may differ from
# PROM_PORT when that was taken: prometheus-up.sh records the one it used).
prom_url() { echo "http://127.0.0.1:$(cat "$PROM_DIR/port" 2>/dev/null || echo "${PROM_PORT:-19190}")"; }

# prom_query EXPR: instant query; prints one line per sample: {labels} value
prom_query() {
  curl -fsS --max-time 5 --get "$(prom_url)/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    m = r["metric"]
    print("{" + ",".join(f"{k}=\"{v}\"" for k, v in sorted(m.items())) + "}", r["value"][1])'
}

# target_health JOB: health of JOB's first active target in /api/v1/targets (up, down, unknown)
target_health() {
  curl -fsS --max-time 5 "$(prom_url)/api/v1/targets" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((t["health"] for t in d["data"]["activeTargets"] if t["labels"].get("job") == sys.argv[1]), "absent"))' "$1"
}

# targets_up: how many active targets in /api/v1/targets are up (an agent has this API too)
targets_up() {
  curl -fsS --max-time 5 "$(prom_url)/api/v1/targets" | python3 -c '
import json, sys
print(sum(t["health"] == "up" for t in json.load(sys.stdin)["data"]["activeTargets"]))'
}
