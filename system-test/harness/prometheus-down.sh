#!/usr/bin/env bash
# Stop the Prometheus prometheus-up.sh started, by the PID it recorded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
stop_pidfile "$PROM_DIR/prometheus.pid" prometheus
rm -f "$PROM_DIR/port"
