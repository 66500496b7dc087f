#!/usr/bin/env bash
# Installs what crio needs, builds it and runs every test: unit tests (no root needed) and
# integration tests (real crio, as root), in parallel, then checks that nothing leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
status=0
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300 || status=$?
tests/leak_check.sh || status=1
exit $status
