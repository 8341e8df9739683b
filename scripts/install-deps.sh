#!/usr/bin/env bash
# Installs the Debian packages backup-exporter needs, only those missing, so `make demo` and
# `make test` work on a fresh Debian 12 machine with just the Swift toolchain.
#   build:  libsystemd-dev (sd_notify, sd_journal), libsqlite3-dev (the state store),
#           libcrypt-dev (bcrypt for the web config's basic auth users), zlib1g-dev (gzip scrapes),
#           libyaml-dev (the config's YAML), libxml2-dev (the vendors' XML), libssl-dev (libcrypto's
#           HMAC for the basic auth cache)
#   test:   prometheus (promtool), python3-venv (fidelity tests against the vendors' real clients),
#           openssl (test certificates), e2fsprogs (an ext4 image the state directory test forces
#           read-only), procps (pgrep: scripts/swift-test.sh's time limit finds the processes to kill),
#           iproute2 (ss: the listener attack test counts the daemon's connections)
#   system: dpkg-dev (dpkg-shlibdeps for the .deb), systemd-container (systemd-nspawn; journalctl
#           -D and systemd-analyze come with systemd) + mmdebstrap (the system test's Debian
#           container, system-test/harness/), prometheus (the server and promtool), curl, procps
#           (ps: finding the container's PID 1), python3 (system-test/run.sh), lintian (the .deb
#           must pass Debian's own checker), iptables + iproute2 (tc) for the network fault test
#           (make net-fault-test: packet loss and blackholes in a private network namespace)
set -euo pipefail
want=(libsystemd-dev libsqlite3-dev libcrypt-dev zlib1g-dev libyaml-dev libxml2-dev libssl-dev pkg-config)
for flag in "$@"; do
    case "$flag" in
        --test) want+=(prometheus python3-venv openssl e2fsprogs procps iproute2);;
        --system) want+=(dpkg-dev systemd-container mmdebstrap prometheus curl procps python3 lintian iptables iproute2);;
        *) echo "unknown flag $flag (--test, --system)" >&2; exit 2;;
    esac
done
missing=()
for package in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
