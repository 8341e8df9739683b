#!/usr/bin/env bash
# Counts and lists the tests a `swift test` log shows as skipped or cancelled (Swift Testing's
# `Test "…" skipped: "reason"` and `Test "…" was cancelled: "reason"` lines, XCTest's
# `Test Case '…' skipped`). Prints the list and one closing count line; always exits 0: this
# reports, the test run's own status decides.
#     scripts/count-skipped-tests.sh swift-test.log
set -euo pipefail
log=${1:?usage: count-skipped-tests.sh <swift test log>}
# Only test and test-case events whose verdict, right after the quoted name, is skipped or
# cancelled: a test whose name says "cancelled" and that passed is not one of them.
pattern="^[^ ]+ Test (case )?\".*\" (skipped|was cancelled)( |:|$)|^Test Case '.*' skipped"
lines=$(grep -E "$pattern" "$log" || true)
count=0
[ -n "$lines" ] && count=$(printf '%s\n' "$lines" | wc -l)
echo
echo "== skipped or cancelled tests: $count =="
[ -n "$lines" ] && printf '%s\n' "$lines" | sed 's/^/  /'
echo "skipped or cancelled: $count"
