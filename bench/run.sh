#!/usr/bin/env bash
# The benchmark in one command (also `make bench`): installs what it needs, builds release
# binaries, and runs bench/bench.py, which prints a table and writes bench/results/latest.{json,md}.
#   bench/run.sh            10 to 10,000 jobs and the 100,000-job row (about 20 minutes)
#   bench/run.sh --quick    10 and 1,000 jobs, short runs (about 4 minutes), for CI
# Debian packages: wrk, nginx-light, prometheus-node-exporter, python3-venv (only those missing).
# Python packages: prometheus_client and requests, into a venv under .build/bench-venv.
# Only loopback traffic; every process started is stopped when the script ends, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
want=(wrk nginx-light prometheus-node-exporter python3-venv)
missing=()
for package in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Any nginx will do: nginx-light is only the smallest one.
if command -v nginx >/dev/null; then missing=("${missing[@]/nginx-light}"); fi
missing=(${missing[@]+"${missing[@]}"})
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
venv=.build/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import prometheus_client, requests' 2>/dev/null \
    || "$venv/bin/pip" install -q prometheus_client requests
scripts/swift-release-build.sh --product backup-exporter
scripts/swift-release-build.sh --product backup-simulator
exec "$venv/bin/python" bench/bench.py --python "$venv/bin/python" "$@"
