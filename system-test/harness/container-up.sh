#!/usr/bin/env bash
# Boot the system test's container: a Debian 12 (bookworm) minbase rootfs with systemd, built once
# with mmdebstrap (or CT_BUILDER=debootstrap) under $HARNESS_DIR/rootfs, booted in the background
# with systemd-nspawn --boot; waits until `systemctl is-system-running` says running or degraded.
# Idempotent: a running container is reused, a rootfs whose marker matches CT_PACKAGES is reused.
#
# The container shares the host's network (no --private-network): the daemon inside it listening
# on 127.0.0.1 is scraped by the host's Prometheus and reaches the simulator on the host. It keeps
# its journal in $CT_ROOT/var/log/journal (--link-journal=no), which the host reads with
# `journalctl -D`. The host has no systemd as PID 1, so the container is not registered
# (--register=no --keep-unit) and is driven with nsenter (lib.sh ct_exec).
# Env: HARNESS_DIR, CT_NAME, CT_BUILDER, CT_PACKAGES, BOOT_TIMEOUT (60 s), HARNESS_MIRROR.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need systemd-nspawn nsenter systemd-machine-id-setup python3
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
CT_BUILDER=${CT_BUILDER:-mmdebstrap}
mkdir -p "$HARNESS_DIR/logs" "$CT_STATE"

# ---- the rootfs, once
marker="$CT_ROOT/.bx-systest-rootfs"
want="suite=$HARNESS_SUITE packages=$CT_PACKAGES"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
  log "rootfs $CT_ROOT is ready (reused)"
else
  case "$CT_BUILDER" in debootstrap|mmdebstrap) need "$CT_BUILDER";; *) die "CT_BUILDER must be mmdebstrap or debootstrap";; esac
  ct_nspawn_pid >/dev/null && die "container $CT_NAME is running on an outdated rootfs; container-down.sh first"
  mirror=$(detect_mirror) || die "no $HARNESS_SUITE mirror in /etc/apt/sources.list*; set HARNESS_MIRROR"
  tmp="$CT_ROOT.tmp"
  rm -rf "$tmp"
  t0=$(now)
  blog="$HARNESS_DIR/logs/$CT_BUILDER.log"
  log "$CT_BUILDER --variant=minbase --include=$CT_PACKAGES $HARNESS_SUITE (mirror from the host's apt sources)"
  if [ "$CT_BUILDER" = debootstrap ]; then
    mkdir -p "$HARNESS_DIR/debcache"
    debootstrap --variant=minbase --include="$CT_PACKAGES" --cache-dir="$HARNESS_DIR/debcache" \
      "$HARNESS_SUITE" "$tmp" "$mirror" 2>&1 | redact > "$blog" || true
  else
    mmdebstrap --variant=minbase --include="$CT_PACKAGES" "$HARNESS_SUITE" "$tmp" "$mirror" 2>&1 | redact > "$blog" || true
  fi
  [ -x "$tmp/usr/lib/systemd/systemd" ] || { tail -20 "$blog" >&2; die "$CT_BUILDER failed (log $blog)"; }
  log "$CT_BUILDER took $(elapsed "$t0")s"
  # No copy of the mirror's host name inside the rootfs: the apt sources are bind-mounted
  # read-only from the host at boot, and the lists downloaded while building are dropped.
  rm -f "$tmp/etc/apt/sources.list"
  rm -rf "$tmp/var/lib/apt/lists/"* "$tmp/var/cache/apt/"*.bin "$tmp/var/log/bootstrap.log"
  echo "$CT_NAME" > "$tmp/etc/hostname"
  # A stable machine-id keeps one persistent journal directory across boots.
  [ -s "$tmp/etc/machine-id" ] || systemd-machine-id-setup --root="$tmp" >/dev/null
  mkdir -p "$tmp/var/log/journal"
  # No getty on the console: nothing reads it.
  ln -sf /dev/null "$tmp/etc/systemd/system/console-getty.service"
  echo "$want" > "$tmp/.bx-systest-rootfs"
  rm -rf "$CT_ROOT"; mv "$tmp" "$CT_ROOT"
  log "rootfs ready: $CT_ROOT ($(du -sh "$CT_ROOT" | cut -f1))"
fi

# ---- boot
if np=$(ct_nspawn_pid); then
  log "container $CT_NAME already running (systemd-nspawn PID $np)"
  exit 0
fi
binds=(--bind-ro=/etc/apt/sources.list.d)
[ -f /etc/apt/sources.list ] && binds+=(--bind-ro=/etc/apt/sources.list)
# A pure cgroup v2 tree for the container's systemd, as on current distributions, whatever the
# host mounts. --system-call-filter=bpf: nspawn's seccomp filter blocks bpf(2) otherwise, and the
# unit's IPAddressDeny= would be silently not enforced.
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
t0=$(now)
setsid systemd-nspawn --quiet --boot --directory="$CT_ROOT" --machine="$CT_NAME" \
  --register=no --keep-unit --link-journal=no --system-call-filter=bpf "${binds[@]}" \
  </dev/null >"$CT_LOG" 2>&1 &
np=$!
echo "$np" > "$CT_NSPAWN_PID"
# Until setsid has exec'd systemd-nspawn, the PID's comm is still bash or setsid, and
# ct_nspawn_pid (which checks the comm) would take a slow fork on a loaded machine for an exit.
for _ in $(seq 50); do
  running "$np" || break
  [ "$(cat "/proc/$np/comm" 2>/dev/null)" = systemd-nspawn ] && break
  sleep 0.1
done
ct_nspawn_pid >/dev/null || { cat "$CT_LOG" >&2; die "systemd-nspawn exited at once (console log $CT_LOG)"; }
state=""
for _ in $(seq $((BOOT_TIMEOUT * 10))); do
  if l=$(ct_leader 2>/dev/null); then
    state=$(SYSTEMD_PAGER='' nsenter -t "$l" -a systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break;; esac
  fi
  ct_nspawn_pid >/dev/null || { tail -30 "$CT_LOG" >&2; die "systemd-nspawn died during boot (console log $CT_LOG)"; }
  sleep 0.1
done
case "$state" in
  running|degraded) log "booted: state=$state after $(elapsed "$t0")s (systemd-nspawn PID $np, console log $CT_LOG)";;
  *) tail -30 "$CT_LOG" >&2; die "not booted after ${BOOT_TIMEOUT}s (state '$state', console log $CT_LOG)";;
esac
if [ "$state" = degraded ]; then ct_exec systemctl --failed --no-legend >&2 || true; fi
