#!/usr/bin/env bash
# Counts and lists the tests a `swift test` log shows as skipped or cancelled. Swift Testing 6.3
# writes `Test "…" skipped: "reason"` (`skipped.` without a reason; each test of a skipped suite
# gets its own line) and `Test "…" was cancelled after 0.001 seconds: "reason"`, with
# ` (aka 'name()')` after the quoted name under --verbose; XCTest writes `Test Case '…' skipped`.
# A cancelled case of a parameterised test is printed as passed, so it cannot be counted here:
# cancel the whole test instead. Prints the list and one closing count line; always exits 0:
# this reports, the test run's own status decides.
#     scripts/count-skipped-tests.sh swift-test.log
set -euo pipefail
log=${1:?usage: count-skipped-tests.sh <swift test log>}
# Only test and test-case events whose verdict, right after the quoted name, is skipped or
# cancelled: a test whose name says "cancelled" and that passed is not one of them.
pattern="^[^ ]+ Test( case .*)? \".*\"( \(aka '[^']*'\))? (skipped|was cancelled)([ :.]|$)|^Test Case '.*' skipped"
lines=$(grep -E "$pattern" "$log" || true)
count=0
[ -n "$lines" ] && count=$(printf '%s\n' "$lines" | wc -l)
echo
echo "== skipped or cancelled tests: $count =="
[ -n "$lines" ] && printf '%s\n' "$lines" | sed 's/^/  /'
echo "skipped or cancelled: $count"
