#!/usr/bin/env bash
# Static checks of a unit file with the host's systemd-analyze (no systemd as PID 1 needed):
#   systemd-analyze verify UNIT   rc 1 only on fatal errors (a missing ExecStart= binary); unknown
#                                 keys or bad values only warn with rc 0, so any output fails here
#   systemd-analyze security --offline=true --threshold=N UNIT
#                                 overall exposure 0.0-10.0; --threshold takes the score x10 and
#                                 returns rc 1 above it
# Usage: analyze-unit.sh UNIT_FILE...   Env: MAX_EXPOSURE (2.0), ANALYZE_ROOT (--root=DIR, the
# container's rootfs, where the ExecStart= binary exists).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: analyze-unit.sh UNIT_FILE..."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}
root=(); [ -n "${ANALYZE_ROOT:-}" ] && root=(--root="$ANALYZE_ROOT")
thr=$(awk -v m="$MAX_EXPOSURE" 'BEGIN{printf "%d", m*10 + 0.5}')
PASS=0; FAIL=0
for u in "$@"; do
  out=$(systemd-analyze verify ${root[@]+"${root[@]}"} "$u" 2>&1); rc=$?
  if [ $rc = 0 ] && [ -z "$out" ]; then PASS=$((PASS+1)); echo "PASS: systemd-analyze verify $(basename "$u")"
  else FAIL=$((FAIL+1)); echo "FAIL: systemd-analyze verify $(basename "$u") (rc=$rc)"; sed 's/^/    /' <<<"$out"; fi
  sec=$(systemd-analyze security --offline=true --threshold="$thr" ${root[@]+"${root[@]}"} "$u" 2>&1); rc=$?
  score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$sec")
  if [ $rc = 0 ] && [ -n "$score" ]; then PASS=$((PASS+1)); echo "PASS: exposure $score <= $MAX_EXPOSURE for $(basename "$u")"
  else FAIL=$((FAIL+1)); echo "FAIL: exposure ${score:-?} > $MAX_EXPOSURE for $(basename "$u") (rc=$rc)"; fi
  grep '^✗' <<<"$sec" | sed 's/^/    /'
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
