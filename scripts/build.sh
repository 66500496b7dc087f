#!/usr/bin/env bash
# Configures (once) and builds crio, crioctl and the tests with Ninja and ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# Paths relative to the checkout in ccache's keys: every clone (CI's included) shares one cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
cmake --build "$build_dir" -- -j"$(nproc)"
