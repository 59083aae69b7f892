#!/usr/bin/env bash
# Checks, through Podman's Docker API and the local Postgres image, what a sandbox container can
# reach, and prints one line per probe: "<ok|UNEXPECTED> expected=… observed=… <what>". Run by
# .ci/run after setup.sh and build-local-images.sh: exits 1 on any surprise, so a machine where
# the host cannot reach its sandboxes (or they can reach the host) fails in seconds, not after
# every container test has waited out its readiness timeout.
#
# Probes (every one stays on this machine): from a sandbox on an internal network with an sqlsb*
# bridge, to the host (its LAN address and its bridge address, on a port listening on all
# addresses), to a sandbox on the same and on another internal network, whether it has any route
# out and whether it resolves an outside name; from the host, to a sandbox on its network. Last,
# after everything is removed: the host's firewall rules, networks, volumes and links are back
# to what they were (no state grows per sandbox).
set -euo pipefail

image="${SQLFLEET_PG_IMAGE:-localhost/sqlfleet/postgres:15}"
sock="${SQLFLEET_PODMAN_SOCK:-/run/sqlfleet/podman.sock}"
run="isocheck-$$"
host_port=18931 # a listener this script starts on 0.0.0.0 of the host
failures=0
started=$SECONDS

# What a sandbox may leave behind on the host, as one comparable line.
host_state() {
  echo "iptables=$(iptables -S | wc -l)+$(iptables -t nat -S | wc -l)" \
    "ip6tables=$(ip6tables -S | wc -l)+$(ip6tables -t nat -S | wc -l)" \
    "networks=$(podman network ls -q | wc -l) volumes=$(podman volume ls -q | wc -l)" \
    "links=$(ip -o link | wc -l)"
}
before="$(host_state)"

remove_all() {
  podman rm -f -t 0 "$run-probe" "$run-peer" "$run-other" >/dev/null 2>&1 || true
  podman network rm -f "$run-a" "$run-b" >/dev/null 2>&1 || true
}
cleanup() {
  remove_all
  [[ -n "${listener:-}" ]] && kill "$listener" 2>/dev/null || true
}
trap cleanup EXIT

check() { # expected observed what
  local mark=ok
  [[ "$1" == "$2" ]] || {
    mark=UNEXPECTED
    failures=$((failures + 1))
  }
  printf '%-10s expected=%-6s observed=%-6s %s\n' "$mark" "$1" "$2" "$3"
}

# open/closed for a TCP connect from inside the probe container (bash's /dev/tcp, 1 s cap: a
# dropped SYN is what "closed" looks like here, so the cap is the cost of each closed probe).
probe() {
  if podman exec "$run-probe" timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then echo open; else echo closed; fi
}
ip_of() { podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
wait_pg() { # host-side: until the sandbox answers SELECT 1 over TCP (10 s at most)
  for _ in $(seq 1 100); do
    PGPASSWORD=iso-check PGCONNECT_TIMEOUT=1 psql -h "$1" -p 5432 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

python3 -m http.server "$host_port" --bind 0.0.0.0 >/dev/null 2>&1 &
listener=$!
# Networks made as the provisioner makes them: Docker API, internal, bridge named sqlsb*.
net_create() {
  curl -fsS --unix-socket "$sock" -H 'content-type: application/json' \
    -d "{\"Name\":\"$1\",\"Internal\":true,\"Options\":{\"com.docker.network.bridge.name\":\"$2\"}}" \
    http://d/v1.41/networks/create >/dev/null
}
net_create "$run-a" "sqlsbck${$}a"
net_create "$run-b" "sqlsbck${$}b"
podman run -d --name "$run-peer" --network "$run-a" -e SANDBOX_ADMIN_PASSWORD=iso-check "$image" >/dev/null
podman run -d --name "$run-other" --network "$run-b" -e SANDBOX_ADMIN_PASSWORD=iso-check "$image" >/dev/null
podman run -d --name "$run-probe" --network "$run-a" --entrypoint sleep "$image" 600 >/dev/null

lan_ip="$(ip -4 route get 1.1.1.1 | grep -oP 'src \K[0-9.]+')" # a route lookup: sends nothing
gateway="$(podman network inspect -f '{{range .Subnets}}{{.Gateway}}{{end}}' "$run-a")"
peer_ip="$(ip_of "$run-peer")"
other_ip="$(ip_of "$run-other")"
echo "network backend $(podman info --format '{{.Host.NetworkBackend}}'), host LAN $lan_ip," \
  "bridge gateway $gateway, peer $peer_ip (same network), other $other_ip (other network)"

if wait_pg "$other_ip"; then host_reach=open; else host_reach=closed; fi
check open "$host_reach" "host -> sandbox address on its internal network ($other_ip:5432, SELECT 1)"
wait_pg "$peer_ip" || true

# Default routes in the sandbox's routing table (destination 00000000): none means no way out.
routes_out="$(podman exec "$run-probe" awk 'NR > 1 && $2 == "00000000"' /proc/net/route | wc -l)"
if ((routes_out > 0)); then route_out=open; else route_out=closed; fi
check closed "$route_out" "sandbox has a default route (a way off the machine)"
check closed "$(probe "$lan_ip" "$host_port")" "sandbox -> host LAN address $lan_ip:$host_port (listener on 0.0.0.0)"
check closed "$(probe "$gateway" "$host_port")" "sandbox -> host bridge address $gateway:$host_port (listener on 0.0.0.0)"
check closed "$(probe "$gateway" 53)" "sandbox -> DNS server on its bridge ($gateway:53)"
check closed "$(probe "$lan_ip" 5432)" "sandbox -> host PostgreSQL via $lan_ip:5432 (host binds 127.0.0.1)"
check closed "$(probe "$other_ip" 5432)" "sandbox -> sandbox on ANOTHER internal network ($other_ip:5432)"
check open "$(probe "$peer_ip" 5432)" "sandbox -> sandbox on the SAME internal network ($peer_ip:5432)"
if podman exec "$run-probe" timeout 2 getent hosts deb.debian.org >/dev/null 2>&1; then resolved=open; else resolved=closed; fi
check closed "$resolved" "sandbox resolves an outside name (deb.debian.org)"

remove_all
after="$(host_state)"
if [[ "$after" == "$before" ]]; then kept=closed; else kept=open; fi
check closed "$kept" "host state left behind after removal (before: $before; after: $after)"

echo "$failures unexpected ($((SECONDS - started)) s)"
((failures == 0))
