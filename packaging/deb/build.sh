#!/usr/bin/env bash
# Builds backup-exporter_<version>_<arch>.deb with dpkg-deb: the release binary (Swift runtime
# linked statically, so the target needs no toolchain), the systemd unit, a default config and
# /etc/default file (conffiles), the journald catalog, the Prometheus rules and scrape example and
# the Grafana dashboard. Depends: is computed from the binary's shared libraries.
#
#   packaging/deb/build.sh [--binary PATH] [--out DIR]
#     --binary  use this backup-exporter instead of building it
#               (default: scripts/swift-release-build.sh --product backup-exporter)
#     --out     where the .deb goes (default: .build/deb); its path is printed on stdout
#
# Needs dpkg-dev (dpkg-shlibdeps); falls back to ldd + dpkg -S without it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pkg=$root/packaging
binary=""
out=$root/.build/deb
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2;;
    --out) out=$2; shift 2;;
    -h|--help) sed -n '2,12p' "$0"; exit 0;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done

if [ -z "$binary" ]; then
  "$root/scripts/swift-release-build.sh" --product backup-exporter >&2
  binary=$("$root/scripts/swift-release-build.sh" --show-bin-path)/backup-exporter
fi
[ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 1; }
# A dynamically linked Swift runtime would need the toolchain on the target: refuse it.
if ldd "$binary" | grep -q 'libswiftCore'; then
  echo "$binary links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2; exit 1
fi

version=$("$binary" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+[^ ]*' | head -1)
[ -n "$version" ] || { echo "cannot read the version from $binary --version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
name=backup-exporter
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
d=$stage/$name

# ---- files
install -D -m755 "$binary" "$d/usr/bin/backup-exporter"
strip --strip-unneeded "$d/usr/bin/backup-exporter"
install -D -m644 "$pkg/systemd/backup-exporter.service" "$d/lib/systemd/system/backup-exporter.service"
install -D -m644 "$pkg/systemd/backup-exporter@.service" "$d/lib/systemd/system/backup-exporter@.service"
install -D -m644 "$pkg/systemd/backup-exporter.socket" "$d/lib/systemd/system/backup-exporter.socket"
install -D -m644 "$pkg/deb/config.yaml" "$d/etc/backup-exporter/config.yaml"
install -d -m700 "$d/etc/backup-exporter/secrets"
install -D -m644 "$pkg/deb/default.env" "$d/etc/default/backup-exporter"
install -D -m644 "$pkg/deb/default-shards.env" "$d/etc/default/backup-exporter-shards"
install -D -m644 "$pkg/journald/backup-exporter.catalog" "$d/usr/lib/systemd/catalog/backup-exporter.catalog"
for f in scrape.yml agent.yml alerts.yml alerts_test.yml; do
  install -D -m644 "$pkg/prometheus/$f" "$d/usr/share/backup-exporter/prometheus/$f"
done
install -D -m644 "$pkg/grafana/backup-exporter.json" "$d/usr/share/backup-exporter/grafana/backup-exporter.json"
doc=$d/usr/share/doc/$name
install -D -m644 "$root/config/example.yaml" "$doc/example.yaml"
install -D -m644 "$pkg/README-service.md" "$doc/README-service.md"
install -D -m644 "$pkg/deb/copyright" "$doc/copyright"
gzip -9n -c "$pkg/deb/changelog" > "$doc/changelog.gz"; chmod 644 "$doc/changelog.gz"
install -D -m644 "$pkg/deb/lintian-overrides" "$d/usr/share/lintian/overrides/$name"
# The man page and shell completions come from the argument parser itself, so they cannot drift
# from --help.
install -d "$d/usr/share/man/man1"
"$binary" --experimental-dump-help | python3 "$pkg/deb/manpage.py" "$("$binary" --version | head -1)" \
  | gzip -9n > "$d/usr/share/man/man1/backup-exporter.1.gz"
chmod 644 "$d/usr/share/man/man1/backup-exporter.1.gz"
install -d "$d/usr/share/bash-completion/completions" "$d/usr/share/zsh/vendor-completions" "$d/usr/share/fish/vendor_completions.d"
# bash-completion sources the file: a #! line would only mislead.
"$binary" --generate-completion-script bash | sed '1{/^#!/d}' > "$d/usr/share/bash-completion/completions/backup-exporter"
"$binary" --generate-completion-script zsh > "$d/usr/share/zsh/vendor-completions/_backup-exporter"
"$binary" --generate-completion-script fish > "$d/usr/share/fish/vendor_completions.d/backup-exporter.fish"
chmod 644 "$d/usr/share/bash-completion/completions/backup-exporter" "$d/usr/share/zsh/vendor-completions/_backup-exporter" \
  "$d/usr/share/fish/vendor_completions.d/backup-exporter.fish"

# ---- Depends: from the binary's NEEDED libraries
depends=""
if command -v dpkg-shlibdeps >/dev/null; then
  mkdir -p "$stage/debian"
  printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$name" "$name" > "$stage/debian/control"
  depends=$(cd "$stage" && dpkg-shlibdeps -O "$name/usr/bin/backup-exporter" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$stage/debian"
fi
if [ -z "$depends" ]; then
  depends=$(ldd "$binary" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
      dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
    done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
fi
[ -n "$depends" ] || { echo "could not compute Depends:" >&2; exit 1; }

# ---- control files
# tzdata: a target's `timezone:` is read from /usr/share/zoneinfo (TimeZoneRules), not linked in.
mkdir -p "$d/DEBIAN"
find "$d/etc" -type f | sed "s#^$d##" | sort > "$d/DEBIAN/conffiles"
cat > "$d/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: backup-exporter maintainers <backup-exporter@example.net>
Installed-Size: $(du -sk --exclude=DEBIAN "$d" | cut -f1)
Depends: $depends, init-system-helpers (>= 1.54), tzdata
Section: net
Priority: optional
Homepage: https://github.com/backup-exporter/backup-exporter
Description: Prometheus exporter and journald alerts for backup jobs
 Polls the backup-job APIs of i-net PDFC/CoWork, Distech Controls ECLYPSE,
 Veeam Backup for Microsoft 365, Commvault and Unitrends and exposes the jobs'
 states, progress and last successful runs as Prometheus metrics, with
 sd_notify readiness and watchdog, and one structured journald entry (with a
 catalog text) per job state change.
 .
 The service is installed but neither enabled nor started: edit
 /etc/backup-exporter/config.yaml, then systemctl enable --now backup-exporter.
 Alert rules, a scrape config and a Grafana dashboard are in
 /usr/share/backup-exporter/.
EOF

cat > "$d/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Makes systemd and journalctl see the new files. Enables and starts nothing: the shipped config
# is a placeholder. On an upgrade, a service that already runs is restarted with the new binary.
set -e
if [ "$1" = configure ]; then
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        if [ -n "$2" ]; then
            deb-systemd-invoke try-restart backup-exporter.service >/dev/null || true
        fi
    fi
    journalctl --update-catalog || true
fi
exit 0
EOF
cat > "$d/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# A removed binary cannot keep running: stop the service on remove (not on upgrade).
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    deb-systemd-invoke stop backup-exporter.service backup-exporter.socket >/dev/null || true
fi
exit 0
EOF
cat > "$d/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# purge also deletes the state store (DynamicUser= keeps it under /var/lib/private).
set -e
case "$1" in
    remove|purge)
        if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
        journalctl --update-catalog 2>/dev/null || true
        ;;
esac
if [ "$1" = purge ]; then
    rm -rf /var/lib/private/backup-exporter /var/lib/backup-exporter \
        /var/lib/private/backup-exporter-shard-* /var/lib/backup-exporter-shard-*
fi
exit 0
EOF
chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm" "$d/DEBIAN/postrm"

mkdir -p "$out"
deb=$out/${name}_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >&2
echo "$deb"
