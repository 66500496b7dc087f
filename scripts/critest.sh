#!/usr/bin/env bash
# Runs the CRI validation suite against crio, offline (tests/conformance/README.md):
#   scripts/critest.sh PATH-TO-CRITEST [CRITEST-FLAGS...]
# Without flags, only the spec that needs an upstream digest is skipped. Run as root after scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: $0 PATH-TO-CRITEST [CRITEST-FLAGS...]" >&2
  exit 2
fi
critest=$(realpath "$1")
shift
flags=("$@")
if [ ${#flags[@]} -eq 0 ]; then
  flags=(--ginkgo.skip 'image with digest')
fi
build_dir=${BUILD_DIR:-build}
scripts/build.sh
# The stand-in images are built from Debian's busybox (dynamic) and nginx packages.
debian_root="$build_dir/critest-debian"
if [ ! -x "$debian_root/usr/sbin/nginx" ] || [ ! -x "$debian_root/bin/busybox" ]; then
  debs=$(mktemp -d)
  trap 'rm -rf "$debs"' EXIT
  (cd "$debs" && apt-get download busybox nginx 2>/dev/null)
  mkdir -p "$debian_root"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$debian_root"; done
fi
exec "$build_dir/bin/crio-critest" --critest "$critest" --debian-root "$debian_root" \
  --crio-log "$build_dir/crio-critest.log" -- "${flags[@]}"
