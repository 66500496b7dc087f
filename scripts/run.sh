#!/usr/bin/env bash
# Installs what crio needs, builds it and runs it in the foreground with default settings
# (/etc/crio/crio.conf and crio.conf.d when present). When /etc/cni/net.d holds no network
# yet, the default bridge network from contrib/cni goes there. Extra arguments go to crio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/install-cni-config.sh
exec "${BUILD_DIR:-build}/bin/crio" "$@"
