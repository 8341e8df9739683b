#!/usr/bin/env bash
# The release backup-exporter and backup-simulator for the system and network fault tests, as
# private copies in DIR/bin: another build in the same .build (say, without
# --static-swift-stdlib) must not swap the binaries under a running test. With $BX_BINARY and
# $BX_SIMULATOR both set, those are copied and nothing is built; the build's log is DIR/build.log.
#     scripts/release-binaries.sh DIR
set -uo pipefail
dir=${1:?usage: release-binaries.sh DIR}
cd "$(dirname "$0")/.."
if [ -z "${BX_BINARY:-}" ] || [ -z "${BX_SIMULATOR:-}" ]; then
  { scripts/swift-release-build.sh --product backup-exporter \
      && scripts/swift-release-build.sh --product backup-simulator; } >"$dir/build.log" 2>&1 \
    || { tail -30 "$dir/build.log"; echo "release build failed (log: $dir/build.log)" >&2; exit 1; }
  bin=$(scripts/swift-release-build.sh --show-bin-path)
  BX_BINARY=${BX_BINARY:-$bin/backup-exporter}; BX_SIMULATOR=${BX_SIMULATOR:-$bin/backup-simulator}
fi
install -D -m755 "$BX_BINARY" "$dir/bin/backup-exporter" && install -m755 "$BX_SIMULATOR" "$dir/bin/backup-simulator" \
  || { echo "cannot copy $BX_BINARY / $BX_SIMULATOR" >&2; exit 1; }
