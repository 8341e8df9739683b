#!/usr/bin/env bash
# `make test`'s Swift part: `swift test` as the Makefile always ran it, plus two refusals of a
# run that passes without testing:
#   - UPDATE_GOLDEN under CI (CI=true) is an error before anything runs: golden tests would
#     rewrite their files and pass (the tests refuse it too, see Tests/TestSupport/GoldenUpdate.swift);
#   - every test that was skipped or cancelled is counted and listed at the end, with its reason,
#     so a test that cancels itself on some host is seen, not taken for a pass;
#   - the run has a time limit (SWIFT_TEST_TIME_LIMIT seconds, default 1800; the whole suite takes
#     about 4 minutes on a 2-core machine). A test that hangs instead of failing (one did: a failed
#     `#expect(a == b)` on two large byte arrays spins in swift-testing's diff for many minutes)
#     would otherwise hold CI until its 90 minutes are gone, with nothing in the log to say which.
#     Past the limit the run is killed, fails, and names the tests that started and never ended.
# Arguments go to `swift test` (e.g. --filter Suite). The exit status is swift test's, or 124 past the limit.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${CI:-}" = "true" ] && [ -n "${UPDATE_GOLDEN:-}" ]; then
    echo "error: UPDATE_GOLDEN=${UPDATE_GOLDEN} is set under CI=true: golden tests would rewrite their files instead of comparing; unset it" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/swift-test.XXXXXX")
limit=${SWIFT_TEST_TIME_LIMIT:-1800}
late="$log.late"
trap 'rm -f "$log" "$late"' EXIT

# Kills the run once it is past the limit: swift test, the test binary and everything the tests
# started (daemons, simulators). `timeout` is not enough: swift test starts the test binary in a
# process group of its own and the tests start daemons in theirs, so they would go on spinning.
kill_when_late() {
    local deadline=$((SECONDS + limit))
    while [ "$SECONDS" -lt "$deadline" ]; do sleep 2; done
    touch "$late"
    local tree pending pid
    pending=$(pgrep -P $$ -x swift-test)
    tree=""
    while [ -n "$pending" ]; do
        tree="$tree $pending"
        pending=$(for pid in $pending; do pgrep -P "$pid"; done)
    done
    # Stopped first so that none starts another process while the others are killed.
    kill -STOP $tree 2>/dev/null
    kill -KILL $tree 2>/dev/null
}
kill_when_late >/dev/null 2>&1 &
watchdog=$!

swift test --skip-build --disable-xctest --no-parallel "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
if [ -e "$late" ]; then
    status=124
    echo
    echo "error: swift test did not end within ${limit} s (SWIFT_TEST_TIME_LIMIT); killed. Started and never ended:"
    # `◇ Test "name" started.` (swift test writes in chunks, so a killed run's last line may end
    # anywhere after the name) against its `✔`/`✘`/skipped line with the same quoted name.
    started=$(sed -n 's/^◇ Test \("[^"]*"\).*/\1/p' "$log" | sort -u)
    ended=$(grep -E '^[^ ]+ Test "[^"]*".* (passed|failed|skipped|was cancelled)' "$log" | sed 's/^[^ ]* Test \("[^"]*"\).*/\1/' | sort -u)
    comm -23 <(printf '%s\n' "$started") <(printf '%s\n' "$ended") | sed '/^$/d; s/^/  /'
fi

scripts/count-skipped-tests.sh "$log"
exit "$status"
