#!/usr/bin/env bash
# The vendors' real Python clients (PyPI veeam-365, cvpysdk) against the simulator built by
# `swift build`: proof that the simulated servers answer as the real ones do for those clients.
# A venv under .build keeps the packages out of the system's Python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/fidelity-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r Tests/fidelity/requirements.txt
exec "$venv/bin/python" -m pytest -q Tests/fidelity
