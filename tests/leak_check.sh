#!/usr/bin/env bash
# Fails when the tests left anything behind: crio processes from this build, temp dirs,
# mounts (pinned namespaces, shm), conmon processes, test registries, the pod tests'
# bridges (crtPID), CNI result caches (crio-test-PID networks) or NAT rules for their
# subnets (10.201.0.0/16), registries.d files, gpg homes and gpg-agents of the signing tests.
set -u
cd "$(dirname "$0")/.."
bin_dir=$(realpath "${BUILD_DIR:-build}")/bin
leaks=()
pids=$(pgrep -f "^$bin_dir/crio( |$)" || true)
[ -n "$pids" ] && leaks+=("crio processes still running: $pids")
temp=$(find "${TMPDIR:-/tmp}" /tmp -maxdepth 1 \( -name 'crio-test-*' -o -name 'crio-exec-*' \
  -o -name '.crio-test-subnet-*' -o -name 'crio-gpg-*' \) 2>/dev/null)
[ -n "$temp" ] && leaks+=("temp dirs left: $temp")
mounts=$(grep -E 'crio-test-' /proc/mounts || true)
[ -n "$mounts" ] && leaks+=("mounts left: $mounts")
# conmon exits on its own shortly after its container is deleted: give it a few seconds.
for _ in $(seq 50); do pgrep -x conmon >/dev/null || break; sleep 0.1; done
pgrep -x conmon >/dev/null && leaks+=("conmon processes still running: $(pgrep -x conmon)")
registries=$(pgrep -f "docker-registry serve ${TMPDIR:-/tmp}/crio-test-" || true)
[ -n "$registries" ] && leaks+=("test registries still running: $registries")
bridges=$(ip -o link show type bridge 2>/dev/null | grep -oE ' crt[0-9]+' || true)
[ -n "$bridges" ] && leaks+=("test bridges left:$bridges")
caches=$(find /var/lib/cni/results -maxdepth 1 -name 'crio-test-*' 2>/dev/null)
[ -n "$caches" ] && leaks+=("CNI result caches left: $caches")
nat=$(iptables -t nat -S 2>/dev/null | grep -F ' 10.201.' || true)
[ -n "$nat" ] && leaks+=("NAT rules left: $nat")
hostport_chains=$(iptables -t nat -S 2>/dev/null | grep -oE '^-N KUBE-HP-[A-Z0-9]+' || true)
[ -n "$hostport_chains" ] && leaks+=("pods' host port chains left: $hostport_chains")
# crio's host port mapping makes the chains it shares with the kubelet and never removes
# them; on a machine without a kubelet, the tests' crio made them: empty, they go.
if [ -z "$hostport_chains" ] && ! pgrep -x kubelet >/dev/null &&
  [ -z "$(iptables -t nat -S KUBE-HOSTPORTS 2>/dev/null | grep -v '^-N')" ] &&
  [ -z "$(iptables -t nat -S KUBE-MARK-MASQ 2>/dev/null | grep -v '^-N')" ]; then
  for builtin in OUTPUT PREROUTING; do
    while iptables -w -t nat -D "$builtin" -m comment --comment "kube hostport portals" \
      -m addrtype --dst-type LOCAL -j KUBE-HOSTPORTS 2>/dev/null; do :; done
  done
  iptables -w -t nat -X KUBE-HOSTPORTS 2>/dev/null || true
  iptables -w -t nat -X KUBE-MARK-MASQ 2>/dev/null || true
fi
cgroups=$(find /sys/fs/cgroup -maxdepth 3 \( -name 'crio-test-*' -o -path '*/crio/crio-*' \) 2>/dev/null)
[ -n "$cgroups" ] && leaks+=("test cgroups left: $cgroups")
lookasides=$(find /etc/containers/registries.d -maxdepth 1 -name 'crio-test-*' 2>/dev/null)
[ -n "$lookasides" ] && leaks+=("registries.d files left: $lookasides")
agents=$(pgrep -f "gpg-agent --homedir ${TMPDIR:-/tmp}/crio-" || true)
[ -n "$agents" ] && leaks+=("gpg-agents still running: $agents")
if [ ${#leaks[@]} -gt 0 ]; then
  printf 'leak check: %s\n' "${leaks[@]}" >&2
  exit 1
fi
echo "leak check: clean"
