#!/usr/bin/env bash
# Makes a Docker Engine API (Podman's) answer on a unix socket, idempotently, on a clean
# Debian 12 machine run as root: installs Podman if missing, writes the containers.conf
# settings this kind of machine needs (see FIELD-NOTES "A real Docker API here: Podman"),
# starts `podman system service` if the socket does not answer, and creates the sandbox
# network. Prints the socket path on its last line.
#
#   SQLFLEET_PODMAN_SOCK      socket to serve (default /run/sqlfleet/podman.sock)
#   SQLFLEET_SANDBOX_NETWORK  internal network for sandboxes (default sqlfleet-sandboxes)
set -euo pipefail

sock="${SQLFLEET_PODMAN_SOCK:-/run/sqlfleet/podman.sock}"
network="${SQLFLEET_SANDBOX_NETWORK:-sqlfleet-sandboxes}"
log_dir=/var/log/sqlfleet

say() { echo "podman-setup: $*" >&2; }

# 1. Packages, only those missing (apt-get update only when something must be installed).
packages=(podman runc fuse-overlayfs slirp4netns uidmap netavark aardvark-dns iptables debootstrap curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. containers.conf: as root Podman reads /usr/share/containers/containers.conf, then
# /etc/containers/containers.conf, then /etc/containers/containers.conf.d/*.conf; a drop-in
# leaves the packaged files alone. crun fails on this hybrid-cgroup host, there is no systemd
# (cgroupfs, file events), and the sandbox has no CAP_SYS_RESOURCE, so the default ulimits
# must stay at or below what the host allows. The network backend is named, not left to
# Podman's guess: installed without recommends, Podman 4.3 falls back to CNI, whose internal
# networks' bridges get no address on the host, so the host (the worker) cannot reach a
# sandbox at all; CNI also leaves an iptables rule behind for every network it ever made.
conf_dir=/etc/containers/containers.conf.d
conf="$conf_dir/50-sqlfleet.conf"
desired='# Written by sqlfleet scripts/podman/setup.sh
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"'
mkdir -p "$conf_dir"
if [[ "$(cat "$conf" 2>/dev/null)" != "$desired" ]]; then
  printf '%s\n' "$desired" >"$conf"
  say "wrote $conf"
fi

# 3. The API service, on the configured backend: a service started before the backend was
# configured (or by hand) keeps CNI until it is restarted.
ping() { curl -fsS --max-time 2 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }
backend() { # of the running service
  curl -fsS --max-time 5 --unix-socket "$sock" http://d/v4.0.0/libpod/info 2>/dev/null |
    grep -oE '"networkBackend": *"[a-z]+"' | grep -oE '[a-z]+"$' | tr -d '"'
}
[[ "$(podman info --format '{{.Host.NetworkBackend}}')" == netavark ]] || {
  say "podman does not use netavark with $conf: $(podman info --format '{{.Host.NetworkBackend}}')"
  exit 1
}
# A service whose working directory was deleted (started from a CI clone that is gone) answers
# _ping but fails every container start: conmon cannot enter that directory ("Failed to get
# working directory"), seen as HTTP 500 "write child: broken pipe" on every create.
service_cwd_gone() {
  local pid
  for pid in $(pgrep -f "podman system service .*unix://$sock"); do
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == *" (deleted)" ]] && return 0
  done
  return 1
}
restart_reason=""
if ping; then
  if [[ "$(backend)" != netavark ]]; then
    restart_reason="it uses $(backend) networking"
  elif service_cwd_gone; then
    restart_reason="its working directory was deleted"
  fi
fi
if [[ -n "$restart_reason" ]]; then
  say "restarting the running service: $restart_reason"
  pkill -f "podman system service .*unix://$sock" || true
  for _ in $(seq 1 50); do ping || break; sleep 0.1; done
fi
if ! ping; then
  mkdir -p "$(dirname "$sock")" "$log_dir"
  rm -f "$sock" # a stale socket from a dead service would make the bind fail
  say "starting podman system service on $sock"
  # From /, so the service never depends on the directory this script was run from.
  (cd / && nohup setsid podman system service --time=0 "unix://$sock" >>"$log_dir/podman-service.log" 2>&1 </dev/null &)
  for _ in $(seq 1 100); do
    ping && break
    sleep 0.1
  done
  ping || {
    say "service did not answer; see $log_dir/podman-service.log"
    tail -20 "$log_dir/podman-service.log" >&2
    exit 1
  }
fi

# 4. Sandbox networking. Every sandbox network is `internal` (no route out, no NAT) and its
# bridge is named sqlsb*; the rule below drops every connection a container on such a bridge
# opens to the host itself (the bridge's gateway address would otherwise reach any host
# service bound to 0.0.0.0, and aardvark-dns there resolves outside names: a leak). Replies
# to connections the host opens (the worker reaching a sandbox's port) still pass.
for cmd in iptables ip6tables; do
  rule=(INPUT -i sqlsb+ -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP)
  "$cmd" -C "${rule[@]}" 2>/dev/null || {
    "$cmd" -I "${rule[@]}"
    say "$cmd: dropping connections from sandbox bridges (sqlsb+) to the host"
  }
done

# The shared network (sandboxes on it can reach each other; a network per session is what
# separates sessions, see infra/images/README.md). Created through the Docker API, as the
# provisioner creates its networks, because Podman 4.3's CLI cannot name the bridge.
podman network exists "$network" || {
  curl -fsS --unix-socket "$sock" -H 'content-type: application/json' \
    -d "{\"Name\":\"$network\",\"Internal\":true,\"Labels\":{\"sqlfleet\":\"true\"},\"Options\":{\"com.docker.network.bridge.name\":\"sqlsb0\"}}" \
    http://d/v1.41/networks/create >/dev/null
  say "created internal network $network (bridge sqlsb0)"
}

echo "$sock"
