#!/usr/bin/env bash
# Measures what a sandbox container can reach, with the local Postgres image, and prints one
# line per probe: "<expected> <observed> <what>". Exits 1 when an observation differs from
# what the docker provisioner relies on. Needs setup.sh and build-local-images.sh first.
#
# The probes: from a sandbox on an internal network with an sqlsb* bridge (setup.sh's host
# firewall rule applies), to the internet, to the host (its LAN
# address, its bridge address, on a port listening on all addresses), to a sandbox on the same
# internal network and to one on another internal network; from the host, to a sandbox's
# address on its internal network; and a port published to 127.0.0.1 with --network none.
set -euo pipefail

image="${SQLFLEET_PG_IMAGE:-localhost/sqlfleet/postgres:15}"
sock="${SQLFLEET_PODMAN_SOCK:-/run/sqlfleet/podman.sock}"
run="isocheck-$$"
host_port=18931 # a listener this script starts on 0.0.0.0 of the host
failures=0

cleanup() {
  podman rm -f -t 0 "$run-probe" "$run-peer" "$run-other" "$run-none" >/dev/null 2>&1 || true
  podman network rm -f "$run-a" "$run-b" >/dev/null 2>&1 || true
  [[ -n "${listener:-}" ]] && kill "$listener" 2>/dev/null || true
}
trap cleanup EXIT

check() { # expected(open|closed) observed what
  local mark=ok
  [[ "$1" == "$2" ]] || {
    mark=UNEXPECTED
    failures=$((failures + 1))
  }
  printf '%-10s expected=%-6s observed=%-6s %s\n' "$mark" "$1" "$2" "$3"
}

# open/closed for a TCP connect from inside the probe container (bash's /dev/tcp, 3 s cap).
probe() {
  if podman exec "$run-probe" timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then echo open; else echo closed; fi
}
ip_of() { podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
wait_pg() { # host-side: until the sandbox answers SELECT 1 over TCP
  for _ in $(seq 1 50); do
    PGPASSWORD=iso-check psql -h "$1" -p "${2:-5432}" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 && return 0
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

lan_ip="$(ip -4 route get 1.1.1.1 | grep -oP 'src \K[0-9.]+')"
gateway="$(podman network inspect -f '{{range .Subnets}}{{.Gateway}}{{end}}' "$run-a")"
outside="$(getent ahostsv4 deb.debian.org | awk 'NR==1{print $1}')"
peer_ip="$(ip_of "$run-peer")"
other_ip="$(ip_of "$run-other")"
wait_pg "$peer_ip" && wait_pg "$other_ip"

echo "host LAN $lan_ip, bridge gateway $gateway, peer $peer_ip (same network), other $other_ip (other network)"
check closed "$(probe "$outside" 80)" "sandbox -> internet ($outside:80, deb.debian.org)"
check closed "$(probe 1.1.1.1 53)" "sandbox -> internet (1.1.1.1:53)"
check closed "$(probe "$lan_ip" "$host_port")" "sandbox -> host LAN address $lan_ip:$host_port (listener on 0.0.0.0)"
check closed "$(probe "$gateway" "$host_port")" "sandbox -> host bridge address $gateway:$host_port (listener on 0.0.0.0)"
check closed "$(probe "$lan_ip" 5432)" "sandbox -> host PostgreSQL via $lan_ip:5432 (host binds 127.0.0.1)"
check closed "$(probe "$other_ip" 5432)" "sandbox -> sandbox on ANOTHER internal network ($other_ip:5432)"
check open "$(probe "$peer_ip" 5432)" "sandbox -> sandbox on the SAME internal network ($peer_ip:5432)"
if podman exec "$run-probe" getent hosts deb.debian.org >/dev/null 2>&1; then resolved=open; else resolved=closed; fi
check closed "$resolved" "sandbox resolves an outside name (deb.debian.org)"
if wait_pg "$other_ip"; then host_reach=open; else host_reach=closed; fi
check open "$host_reach" "host -> sandbox address on its internal network ($other_ip:5432, SELECT 1)"

# --network none with a port published on loopback: Podman needs a network namespace with
# a route for port forwarding, so this is expected not to work.
if podman run -d --name "$run-none" --network none -p 127.0.0.1:15999:5432 \
  -e SANDBOX_ADMIN_PASSWORD=iso-check "$image" >/dev/null 2>&1 && wait_pg 127.0.0.1 15999; then
  none_pub=open
else
  none_pub=closed
fi
check closed "$none_pub" "host -> --network none sandbox via -p 127.0.0.1:15999"

echo "$failures unexpected"
((failures == 0))
