#!/usr/bin/env bash
# `swift build -c release` as the .deb ships it, for every caller (make release, the .deb, the
# bench, the load and system tests), so they all measure and ship the same binary:
#   scripts/swift-release-build.sh --product backup-exporter
#   scripts/swift-release-build.sh --show-bin-path
# Each flag below cut the idle daemon's RSS (bench/README.md, "A smaller daemon"):
#   --static-swift-stdlib   the target needs no Swift toolchain (the .deb refuses anything else)
#   -use-ld=lld             the toolchain's ld.lld instead of gold: gold puts .rodata (34 MB of ICU
#                           data among it) in the writable segment next to the relocated data;
#                           lld keeps read-only data, code and relocated data in separate segments
#   -z pack-relative-relocs RELR: the ~125,000 relative relocations of a static Swift PIE in a few
#                           KiB instead of 3 MB the loader reads at every start (gold refuses it)
#   --no-export-dynamic     undoes the -export-dynamic of the toolchain's static-stdlib-args.lnk,
#                           which put every Swift symbol in the dynamic symbol table; nothing
#                           dlopens the daemon or looks its symbols up
# -use-ld is a compiler driver flag, so changing it recompiles the Swift modules; the -Xlinker
# flags only relink.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib \
    -Xswiftc -use-ld=lld \
    -Xlinker -z -Xlinker pack-relative-relocs \
    -Xlinker --no-export-dynamic \
    "$@"
