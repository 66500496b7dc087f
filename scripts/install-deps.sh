#!/usr/bin/env bash
# Installs every Debian package crio needs to build, run and test. Idempotent and quiet:
# packages already present are skipped, apt runs only when something is missing.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev libboost-dev
  libssl-dev zlib1g-dev libcurl4-openssl-dev libarchive-dev libsqlite3-dev libgtest-dev libgmock-dev
  libyaml-cpp-dev libgpgme-dev
)
runtime_packages=(runc conmon containernetworking-plugins iproute2 iptables gnupg)
test_packages=(curl procps docker-registry apache2-utils openssl busybox-static util-linux skopeo podman)

missing=()
for pkg in "${build_packages[@]}" "${runtime_packages[@]}" "${test_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/crio-install-deps.log 2>&1 ||
  { apt-get update -q >>/tmp/crio-install-deps.log 2>&1 &&
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/crio-install-deps.log 2>&1; } ||
  { tail -20 /tmp/crio-install-deps.log >&2; exit 1; }
