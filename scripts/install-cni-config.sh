#!/usr/bin/env bash
# Puts contrib/cni's bridge network (cni0, 10.85.0.0/16, portmap) into the CNI network dir
# (default /etc/cni/net.d) when that dir holds no configuration yet, so a fresh machine
# runs pods with networking. An operator's configuration is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${DESTDIR:-}${1:-/etc/cni/net.d}"
install -d -m 0755 "$dir"
if ! compgen -G "$dir/*.conf" >/dev/null && ! compgen -G "$dir/*.conflist" >/dev/null &&
   ! compgen -G "$dir/*.json" >/dev/null; then
  install -m 0644 contrib/cni/11-crio-ipv4-bridge.conflist "$dir/"
  echo "Installed the default pod network into $dir"
fi
