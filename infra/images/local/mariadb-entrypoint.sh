#!/bin/bash
# Entrypoint of localhost/sqlfleet/mariadb:10.11 (runs as user mysql). The data directory was
# initialised when the image was built; this only hands the server an init file that sets
# the admin password, which the server runs before it accepts any connection.
#   SANDBOX_ADMIN_PASSWORD  required: password of `root` (localhost and %) over TCP (3306)
set -euo pipefail

pw="${SANDBOX_ADMIN_PASSWORD:-}"
unset SANDBOX_ADMIN_PASSWORD # keep it out of the server's environment (/proc/<pid>/environ)
if [[ -z "$pw" ]]; then
  echo "sqlfleet-entrypoint: SANDBOX_ADMIN_PASSWORD is required" >&2
  exit 64
fi
if [[ "$pw" == *$'\n'* || "$pw" == *$'\r'* ]]; then
  echo "sqlfleet-entrypoint: SANDBOX_ADMIN_PASSWORD must be one line" >&2
  exit 64
fi
# A MariaDB string literal: backslash escapes (NO_BACKSLASH_ESCAPES is off), quote doubled.
lit="${pw//\\/\\\\}"
lit="${lit//\'/\'\'}"
unset pw

# The init file comes through a here-document on stdin, so the password is never written to a
# file that outlives the start-up. Root may log in from anywhere: the sandbox network decides
# who can reach the port at all.
exec mariadbd --init-file=/dev/stdin "$@" <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$lit';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$lit';
ALTER USER 'root'@'%' IDENTIFIED BY '$lit';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
