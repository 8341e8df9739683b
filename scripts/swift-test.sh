#!/usr/bin/env bash
# `make test`'s Swift part: `swift test` as the Makefile always ran it, plus two refusals of a
# run that passes without testing:
#   - UPDATE_GOLDEN under CI (CI=true) is an error before anything runs: golden tests would
#     rewrite their files and pass (the tests refuse it too, see Tests/TestSupport/GoldenUpdate.swift);
#   - every test that was skipped or cancelled is counted and listed at the end, with its reason,
#     so a test that cancels itself on some host is seen, not taken for a pass.
# Arguments go to `swift test` (e.g. --filter Suite). The exit status is swift test's.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${CI:-}" = "true" ] && [ -n "${UPDATE_GOLDEN:-}" ]; then
    echo "error: UPDATE_GOLDEN=${UPDATE_GOLDEN} is set under CI=true: golden tests would rewrite their files instead of comparing; unset it" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/swift-test.XXXXXX")
trap 'rm -f "$log"' EXIT
swift test --skip-build --disable-xctest --no-parallel "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

scripts/count-skipped-tests.sh "$log"
exit "$status"
