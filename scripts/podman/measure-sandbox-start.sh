#!/usr/bin/env bash
# Measures the local sandbox images the way the docker provisioner will use them, through the
# Docker API on Podman's socket: per run, create an internal network (bridge sqlsb*), create
# and start a container on it, then poll until `SELECT 1` over TCP with the admin password
# succeeds; after the runs, idle memory per container (podman stats). Prints one line per run.
#
#   measure-sandbox-start.sh [runs]      (default 5)
set -euo pipefail

sock="${SQLFLEET_PODMAN_SOCK:-/run/sqlfleet/podman.sock}"
runs="${1:-5}"
password='measure-Pw1'
tag="measure$$"
containers=()
networks=()

cleanup() {
  for c in "${containers[@]}"; do api DELETE "/containers/$c?force=true&v=true" >/dev/null 2>&1 || true; done
  for n in "${networks[@]}"; do api DELETE "/networks/$n" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

api() { # method path [json]
  curl -fsS --unix-socket "$sock" -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://d/v1.41$2"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

select1() { # engine ip
  case "$1" in
  postgres) PGPASSWORD="$password" PGCONNECT_TIMEOUT=1 psql -h "$2" -U postgres -d postgres -tAc 'select 1' ;;
  mariadb) mariadb --connect-timeout=1 -h "$2" -uroot -p"$password" -N -e 'select 1' ;;
  esac
}

for engine in postgres mariadb; do
  case "$engine" in
  postgres) image=localhost/sqlfleet/postgres:15 ;;
  mariadb) image=localhost/sqlfleet/mariadb:10.11 ;;
  esac
  for i in $(seq 1 "$runs"); do
    name="$tag-${engine:0:2}$i"
    t0=$(now_ms)
    api POST /networks/create "{\"Name\":\"$name\",\"Internal\":true,\"Options\":{\"com.docker.network.bridge.name\":\"sqlsb$$${engine:0:1}$i\"}}" >/dev/null
    networks+=("$name")
    t1=$(now_ms)
    api POST "/containers/create?name=$name" \
      "{\"Image\":\"$image\",\"Env\":[\"SANDBOX_ADMIN_PASSWORD=$password\"],\"HostConfig\":{\"NetworkMode\":\"$name\",\"Memory\":268435456}}" >/dev/null
    containers+=("$name")
    api POST "/containers/$name/start" >/dev/null
    ip="$(api GET "/containers/$name/json" | python3 -c 'import json,sys; n=json.load(sys.stdin)["NetworkSettings"]["Networks"]; print(next(iter(n.values()))["IPAddress"])')"
    until select1 "$engine" "$ip" >/dev/null 2>&1; do
      (($(now_ms) - t1 < 30000)) || {
        echo "$engine run $i: no answer after 30 s" >&2
        exit 1
      }
      sleep 0.02
    done
    t2=$(now_ms)
    echo "$engine run $i: network create $((t1 - t0)) ms, container create -> SELECT 1 $((t2 - t1)) ms"
  done
done

sleep 5 # let the servers settle before reading memory
podman stats --no-stream --format '{{.Name}} {{.MemUsage}}' "${containers[@]}"
