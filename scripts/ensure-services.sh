#!/usr/bin/env bash
# Starts PostgreSQL, MariaDB and Redis on this machine if they are not answering
# (the commands of the machine's own start-up), then waits until each answers.
set -u
up() { timeout 60 bash -c "until $1 >/dev/null 2>&1; do sleep 0.5; done"; }

pg_isready -q -h 127.0.0.1 -p 5432 ||
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ||
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1 ||
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd

up "pg_isready -q -h 127.0.0.1 -p 5432" || { echo "PostgreSQL did not start" >&2; exit 1; }
up "redis-cli -h 127.0.0.1 -p 6379 ping" || { echo "Redis did not start" >&2; exit 1; }
up "mariadb-admin -h 127.0.0.1 -uroot ping" || { echo "MariaDB did not start" >&2; exit 1; }
