#!/usr/bin/env bash
# The load test in one command (also `make load-test`, and in CI after the system test):
# wrk -c64 on /metrics for 60 s while 1,000 jobs are polled every 2 s; see load-test/load.py.
#   load-test/run.sh                 the 60 s run CI does
#   load-test/run.sh --seconds 600   a longer soak, same assertions
# Builds the release binaries the .deb ships (static Swift runtime; the system test's build is
# reused) and installs wrk if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
scripts/swift-release-build.sh --product backup-exporter
scripts/swift-release-build.sh --product backup-simulator
bin=$(scripts/swift-release-build.sh --show-bin-path)
BENCH_EXPORTER="$bin/backup-exporter" BENCH_SIMULATOR="$bin/backup-simulator" exec python3 load-test/load.py "$@"
