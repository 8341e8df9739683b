#!/usr/bin/env bash
# Start a real Prometheus (Debian's package) for the system test, with a config written here:
# every 1 s it scrapes itself (job prometheus) and PROM_TARGETS (job backup-exporter, the job name
# the shipped alert rules expect), and it loads PROM_RULES (the shipped alerts.yml).
# PROM_RECEIVER=1 adds --web.enable-remote-write-receiver (a central Prometheus that agents push
# to). PROM_AGENT=1 starts it in agent mode (--enable-feature=agent, Prometheus 2.x: it scrapes
# and remote-writes, with no query API) on PROM_CONFIG, a config used as it is (it cannot name
# this Prometheus's own port, which a retry may change).
#
# Start-up is bounded and retried: it waits up to PROM_READY_TIMEOUT (30) seconds for /-/ready
# and checks that the Prometheus answering is this one (its TSDB path). If PROM_PORT is taken, or
# the process exits or is not ready in time, it tries once more on a port the kernel says is free
# and a fresh data directory. Every attempt's log stays in $PROM_DIR/logs; the port in use is
# written to $PROM_DIR/port (lib.sh prom_url reads it). Exit 1 when both attempts fail.
# Env: HARNESS_DIR, PROM_PORT (19190), PROM_TARGETS (host:port,...), PROM_RULES (files, comma
# separated), PROM_READY_TIMEOUT, PROM_RECEIVER, PROM_AGENT and PROM_CONFIG.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need prometheus promtool curl python3
PROM_PORT=${PROM_PORT:-19190}
PROM_READY_TIMEOUT=${PROM_READY_TIMEOUT:-30}
PROM_RECEIVER=${PROM_RECEIVER:-0}; PROM_AGENT=${PROM_AGENT:-0}
if [ "$PROM_AGENT" = 1 ]; then
  [ -f "${PROM_CONFIG:-}" ] || die "PROM_AGENT=1 needs PROM_CONFIG, a config file (got '${PROM_CONFIG:-}')"
  [ -z "${PROM_TARGETS:-}${PROM_RULES:-}" ] || die "PROM_AGENT=1: the targets are PROM_CONFIG's, and an agent has no rules"
  kind="prometheus (agent)"
  # the flag Prometheus 2.x has for it (3.x: --agent); the data directory is the agent's WAL
  mode_flags=(--enable-feature=agent); storage_flag=storage.agent.path; check_flags=(--agent)
else
  mode_flags=(--storage.tsdb.retention.time=2h); storage_flag=storage.tsdb.path; check_flags=()
  kind=prometheus
  [ -z "${PROM_CONFIG:-}" ] || die "PROM_CONFIG is for PROM_AGENT=1 only: a server's config is written here"
fi
if [ "$PROM_RECEIVER" = 1 ]; then mode_flags+=(--web.enable-remote-write-receiver); kind+=" (remote-write receiver)"; fi
mkdir -p "$PROM_DIR/logs"

if pp=$(pid_alive "$PROM_DIR/prometheus.pid" prometheus); then
  log "already up: prometheus PID $pp on $(prom_url)"; exit 0
fi
rm -f "$PROM_DIR/prometheus.pid" "$PROM_DIR/port" "$PROM_DIR"/logs/prometheus.attempt-*.log

# stop_pid PID: this script's own child, whatever its comm: SIGTERM, then SIGKILL after 10 s
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do running "$1" || break; sleep 0.1; done
  running "$1" && kill -KILL "$1" 2>/dev/null
  rm -f "$PROM_DIR/prometheus.pid"
}
quoted() { sed 's/[^,][^,]*/"&"/g' <<<"$1"; }
write_config() { # write_config PORT
  if [ "$PROM_AGENT" = 1 ]; then cp "$PROM_CONFIG" "$PROM_DIR/prometheus.yml"; return; fi
  {
    echo "global:"
    echo "  scrape_interval: 1s"
    echo "  scrape_timeout: 1s"
    echo "  evaluation_interval: 1s"
    if [ -n "${PROM_RULES:-}" ]; then
      echo "rule_files:"
      tr ',' '\n' <<<"$PROM_RULES" | sed 's/^/  - /'
    fi
    echo "scrape_configs:"
    echo "  - job_name: prometheus"
    echo "    static_configs:"
    echo "      - targets: [\"127.0.0.1:$1\"]"
    if [ -n "${PROM_TARGETS:-}" ]; then
      echo "  - job_name: backup-exporter"
      echo "    static_configs:"
      echo "      - targets: [$(quoted "$PROM_TARGETS")]"
    fi
  } >"$PROM_DIR/prometheus.yml"
}

first_scrape() {
  if [ "$PROM_AGENT" = 1 ]; then [ "$(targets_up 2>/dev/null)" -ge 1 ] 2>/dev/null
  else [ "$(prom_query 'up{job="prometheus"}' 2>/dev/null | awk '{print $2}')" = 1 ]; fi
}

# attempt N PORT: start Prometheus on PORT with a fresh data directory; 0 once it is ready and
# answering as itself, 1 otherwise (it is stopped then, and its log kept as attempt-N).
attempt() {
  local n=$1 port=$2 t0 p data="$PROM_DIR/data.$1" plog="$PROM_DIR/logs/prometheus.attempt-$1.log"
  local url="http://127.0.0.1:$port" deadline
  write_config "$port"
  promtool check config ${check_flags[@]+"${check_flags[@]}"} "$PROM_DIR/prometheus.yml" >"$PROM_DIR/logs/check-config.log" 2>&1 \
    || { cat "$PROM_DIR/logs/check-config.log" >&2; die "promtool check config $PROM_DIR/prometheus.yml failed"; }
  # a fresh TSDB: old samples would answer queries (lookback 5 min) before the first scrape
  rm -rf "$data"; mkdir -p "$data"
  t0=$(now)
  setsid prometheus --config.file="$PROM_DIR/prometheus.yml" --"$storage_flag"="$data" \
    "${mode_flags[@]}" --web.listen-address="127.0.0.1:$port" \
    </dev/null >"$plog" 2>&1 &
  p=$!
  echo "$p" >"$PROM_DIR/prometheus.pid"
  # Liveness below is by PID only: until setsid has exec'd prometheus its comm is bash or setsid,
  # and a comm check (pid_alive) would report a slow start on a loaded machine as an exit.
  deadline=$(( $(date +%s) + PROM_READY_TIMEOUT ))
  while :; do
    if ! running "$p"; then
      log "attempt $n: prometheus (PID $p) exited on port $port after $(elapsed "$t0")s; its log ($plog):"
      tail -15 "$plog" >&2
      rm -f "$PROM_DIR/prometheus.pid"; return 1
    fi
    # ready, and it is this one: another Prometheus on the same port would answer /-/ready too
    if curl -fs --max-time 1 "$url/-/ready" >/dev/null 2>&1 \
       && curl -fs --max-time 2 "$url/api/v1/status/flags" 2>/dev/null | grep "\"$storage_flag\":\"$data\"" >/dev/null; then
      break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "attempt $n: prometheus (PID $p) not ready on port $port after ${PROM_READY_TIMEOUT}s; its log ($plog):"
      tail -15 "$plog" >&2
      stop_pid "$p"; return 1
    fi
    sleep 0.2
  done
  t_ready=$(elapsed "$t0")
  echo "$port" >"$PROM_DIR/port"
  # the first successful scrape (a server's of itself: scraping and the query API both work; an
  # agent has no query API: one of its targets is up)
  for _ in $(seq 150); do first_scrape && break; sleep 0.2; done
  first_scrape \
    || { log "attempt $n: no successful scrape in 30 s"; tail -15 "$plog" >&2; stop_pid "$p"; rm -f "$PROM_DIR/port"; return 1; }
  log "$kind PID $p ready on $url after ${t_ready}s, first scrape after $(elapsed "$t0")s (attempt $n)"
}

port=$PROM_PORT
if ! port_free "$port"; then
  log "attempt 1: 127.0.0.1:$port is taken; trying once on a free port instead"
  attempt 2 "$(free_port)" || die "prometheus did not start (logs in $PROM_DIR/logs)"
elif ! attempt 1 "$port"; then
  attempt 2 "$(free_port)" || die "prometheus did not start in two attempts (logs in $PROM_DIR/logs)"
fi
echo "$kind $(prom_url) PID $(cat "$PROM_DIR/prometheus.pid"), config $PROM_DIR/prometheus.yml, logs $PROM_DIR/logs"
