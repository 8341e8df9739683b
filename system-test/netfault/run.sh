#!/usr/bin/env bash
# The network fault test (issue 13, "a hostile network, at the packet level"; `make net-fault-test`,
# in CI after the load test). Run as root. Builds the release binaries (a no-op when the system
# test already did), installs iptables if it is missing, then builds a small private network:
#
#   namespace bxnf-d-<pid> ("daemon")                   namespace bxnf-v-<pid> ("vendors")
#     backup-exporter, 127.0.0.1:9871                      backup-simulator on 0.0.0.0 (five vendors)
#     control backup-simulator on its own lo    veth k      delay-proxy.py: 10.213.k.2:1800k -> the
#     netfault.py (the driver) --------- 10.213.k.1 <-> 10.213.k.2   simulator's vendor k port
#                                        10.213.0.1 <-> 10.213.0.2   (link 0: control only, never faulted)
#
# One veth pair per vendor (k = 1..5: inet, veeam_m365, unitrends, commvault, eclypse), so a
# fault on one vendor's link (tc tbf on both ends, iptables in the vendors namespace, the proxy's
# delay switch) touches nothing else; the daemon's five control targets poll the second
# simulator on the daemon namespace's own loopback. The addresses exist only inside the two
# namespaces. netfault.py (inside the daemon namespace) does the rest and prints PASS:/FAIL:
# lines, a table of figures and `N passed, N failed`.
#
# The namespaces (and with them the veth pairs, the qdiscs and the iptables rules) are deleted at
# exit, on failure too; the processes in them are ours and are stopped first, by PID. On a
# failure the logs (each process's output, the daemon's log, the proxy's events) are kept in
# $BX_LOGS (default /tmp/bx-netfault-logs-<time>) and the path is printed.
#
# Env: BX_BINARY, BX_SIMULATOR (skip the release build), BX_LOGS, NETFAULT_DEBUG=1 (keep the logs
# even when all passed, print the iptables rules after each clear, and log the daemon's TCP sockets
# to the links twice a second).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "run as root (network namespaces, tc, iptables)" >&2; exit 1; }

if ! command -v iptables >/dev/null || ! command -v tc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables iproute2 >/dev/null
fi

WORK=$(mktemp -d /tmp/bx-netfault.XXXXXX)
BX_LOGS=${BX_LOGS:-/tmp/bx-netfault-logs-$(date +%Y%m%dT%H%M%S)}
"$ROOT/scripts/release-binaries.sh" "$WORK" || exit 1

id=$(( $$ % 100000 ))
DNS=bxnf-d-$id
VNS=bxnf-v-$id
cleanup() {
  local rc=$? ns pid
  for ns in "$DNS" "$VNS"; do
    # only our own processes live in these namespaces: stop each by PID, then delete them
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.5
  for ns in "$DNS" "$VNS"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  if [ "$rc" != 0 ] || [ -n "${NETFAULT_DEBUG:-}" ]; then
    mkdir -p "$BX_LOGS" && cp -r "$WORK"/logs/. "$BX_LOGS"/ 2>/dev/null
    [ -f "$WORK/build.log" ] && cp "$WORK/build.log" "$BX_LOGS"/
    echo "logs of this run kept in $BX_LOGS"
  fi
  rm -rf "$WORK"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup() {
  ip netns add "$DNS" && ip netns add "$VNS" || return 1
  ip -n "$DNS" link set lo up && ip -n "$VNS" link set lo up || return 1
  local k
  for k in 0 1 2 3 4 5; do
    ip link add "nfd$k-$id" netns "$DNS" type veth peer name "nfv$k-$id" netns "$VNS" || return 1
    ip -n "$DNS" addr add "10.213.$k.1/30" dev "nfd$k-$id" && ip -n "$VNS" addr add "10.213.$k.2/30" dev "nfv$k-$id" || return 1
    # the vendors' links carry 576-byte packets (the IPv4 minimum), so the 10 kbit/s fault's token
    # bucket can be one packet deep: with 1500-byte packets a whole small poll would fit in the
    # bucket and pass at full speed
    if [ "$k" != 0 ]; then ip -n "$DNS" link set "nfd$k-$id" mtu 576 && ip -n "$VNS" link set "nfv$k-$id" mtu 576 || return 1; fi
    ip -n "$DNS" link set "nfd$k-$id" up && ip -n "$VNS" link set "nfv$k-$id" up || return 1
  done
}
setup || { echo "cannot set up the network namespaces and veth pairs"; exit 1; }

mkdir -p "$WORK/logs"
ip netns exec "$DNS" python3 "$ROOT/system-test/netfault/netfault.py" \
  --vendors-netns "$VNS" --link-suffix "$id" --work "$WORK" \
  --exporter "$WORK/bin/backup-exporter" --simulator "$WORK/bin/backup-simulator" \
  --proxy "$ROOT/system-test/tools/delay-proxy.py" "$@"
