#!/bin/bash
# Entrypoint of localhost/sqlfleet/postgres:15 (runs as user postgres). The cluster was
# initialised when the image was built; this only sets the admin password, then execs the
# server, so a container answers over TCP about as fast as the server process starts.
#   SANDBOX_ADMIN_PASSWORD  required: password of the superuser `postgres` over TCP (5432)
set -euo pipefail

pw="${SANDBOX_ADMIN_PASSWORD:-}"
unset SANDBOX_ADMIN_PASSWORD # keep it out of the server's environment (/proc/<pid>/environ)
if [[ -z "$pw" ]]; then
  echo "sqlfleet-entrypoint: SANDBOX_ADMIN_PASSWORD is required" >&2
  exit 64
fi
# Single-user mode ends a command at a newline; a password holding one could not be passed.
if [[ "$pw" == *$'\n'* || "$pw" == *$'\r'* ]]; then
  echo "sqlfleet-entrypoint: SANDBOX_ADMIN_PASSWORD must be one line" >&2
  exit 64
fi

# Set the password before the server listens, so no client ever sees a half-ready server.
# Single-user mode needs no socket and no second start-up of a network listener.
printf "ALTER ROLE postgres PASSWORD '%s';\n" "${pw//\'/\'\'}" |
  postgres --single -D "$PGDATA" -c log_min_messages=fatal postgres >/dev/null
unset pw

exec postgres -D "$PGDATA" "$@"
