#!/usr/bin/env bash
# Stop the container container-up.sh booted, by the PID it recorded: SIGTERM to systemd-nspawn
# asks the container's systemd for a clean halt; SIGKILL after STOP_TIMEOUT (30) seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
if ! np=$(ct_nspawn_pid); then log "container $CT_NAME is not running"; rm -f "$CT_NSPAWN_PID"; exit 0; fi
t0=$(now)
kill -TERM "$np"
for _ in $(seq $((STOP_TIMEOUT * 10))); do running "$np" || break; sleep 0.1; done
if running "$np"; then
  log "no clean halt after ${STOP_TIMEOUT}s: SIGKILL $np"
  kill -KILL "$np" 2>/dev/null || true
  sleep 0.5
fi
rm -f "$CT_NSPAWN_PID"
log "container $CT_NAME stopped in $(elapsed "$t0")s"
