#!/usr/bin/env bash
# Builds the sandbox engine images without any registry, from Debian packages:
#   localhost/sqlfleet/postgres:15   and   localhost/sqlfleet/mariadb:10.11
# debootstrap a minimal bookworm once (cached as a tarball), chroot-install the engine,
# initialise the data directory at build time (so a container only sets its admin password
# and starts), then `podman import` the tree. An image whose recipe (this script plus the
# files in infra/images/local) is unchanged is not rebuilt unless --force is given.
#
#   build-local-images.sh [--force] [postgres|mariadb ...]     (default: both)
#   SQLFLEET_IMAGE_CACHE  cache directory (default /var/cache/sqlfleet)
#   SQLFLEET_DEBIAN_MIRROR  Debian mirror (default: the one apt on this machine uses)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
files="$(cd "$here/../../infra/images/local" && pwd)"
cache="${SQLFLEET_IMAGE_CACHE:-/var/cache/sqlfleet}"
suite=bookworm

force=0
engines=()
for arg in "$@"; do
  case "$arg" in
  --force) force=1 ;;
  postgres | mariadb) engines+=("$arg") ;;
  *)
    echo "usage: $0 [--force] [postgres|mariadb ...]" >&2
    exit 64
    ;;
  esac
done
((${#engines[@]})) || engines=(postgres mariadb)

say() { echo "build-local-images: $*" >&2; }

# The Debian mirror apt already uses (deb822 `URIs:` or one-line `deb` form); the security
# archive the same way, so the image gets the fixes the host has.
apt_uri() {
  { grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources |
    grep -oE 'https?://[^ ]+' | grep -E "$1" | head -1; } || true
}
mirror="${SQLFLEET_DEBIAN_MIRROR:-$(apt_uri '/debian/?$')}"
mirror="${mirror:-http://deb.debian.org/debian}"
security="$(apt_uri '/debian-security/?$')"

recipe_hash() {
  cat "$0" "$files"/* | sha256sum | cut -c1-16
}

rootfs_tar="$cache/rootfs-$suite-minbase.tar"
ensure_rootfs_tar() {
  [[ -s "$rootfs_tar" ]] && return
  say "debootstrap $suite from $mirror (once; cached in $rootfs_tar)"
  local dir
  dir="$(mktemp -d "$cache/debootstrap.XXXXXX")"
  debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    rm -rf "$dir"
    exit 1
  }
  tar -C "$dir" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$dir"
}

# Runs in the chroot with /proc mounted and the .deb cache bind-mounted, then unmounts both
# whatever happens.
in_chroot() {
  local root="$1"
  shift
  mount -t proc proc "$root/proc"
  mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
  local status=0
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LC_ALL=C.UTF-8 /bin/bash -euo pipefail -c "$*" || status=$?
  umount "$root/var/cache/apt/archives"
  umount "$root/proc"
  return $status
}

prepare_tree() {
  local root="$1"
  tar -C "$root" -xf "$rootfs_tar"
  chmod 755 "$root" # mktemp made it 700: the engine's own user must be able to walk /
  # Package scripts must not start services inside the build.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  {
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    [[ -n "$security" ]] && echo "deb $security $suite-security main"
  } >"$root/etc/apt/sources.list"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90sqlfleet"
  # Keep downloaded .debs (they live in the bind-mounted cache, not in the image).
  echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >>"$root/etc/apt/apt.conf.d/90sqlfleet"
  echo 'APT::Sandbox::User "root";' >>"$root/etc/apt/apt.conf.d/90sqlfleet" # the cache is the host's
  rm -f "$root/etc/apt/apt.conf.d/docker-clean"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # minbase has no /etc/hosts; mariadb-install-db refuses to run unless localhost resolves.
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
}

finish_tree() {
  local root="$1"
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
  rm -rf "$root/var/lib/apt/lists/"* "$root/usr/share/doc/"* "$root/usr/share/man/"* "$root/tmp/"*
  # debootstrap left its own .debs here (hidden by the bind mount while building).
  rm -rf "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb
}

build_postgres() {
  local root="$1"
  install -m 755 "$files/postgres-entrypoint.sh" "$root/usr/local/bin/sqlfleet-entrypoint"
  mkdir -p "$root/etc/sqlfleet"
  install -m 644 "$files/postgres-sandbox.conf" "$files/postgres-hba.conf" "$root/etc/sqlfleet/"
  in_chroot "$root" '
    apt-get update -qq
    # The Debian wrapper would make a cluster under /etc/postgresql; ours is made below.
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    apt-get install -y -qq postgresql-15 >/dev/null
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    install -d -o postgres -g postgres -m 700 /var/lib/postgresql/sandbox
    su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/sandbox \
      -U postgres --encoding=UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 \
      --no-sync" >/dev/null
    cp /etc/sqlfleet/postgres-hba.conf /var/lib/postgresql/sandbox/pg_hba.conf
    echo "include '"'"'/etc/sqlfleet/postgres-sandbox.conf'"'"'" >>/var/lib/postgresql/sandbox/postgresql.conf
    chown postgres:postgres /var/lib/postgresql/sandbox/pg_hba.conf
  '
  finish_tree "$root"
  import_tree "$root" localhost/sqlfleet/postgres:15 \
    --change 'USER postgres' \
    --change 'WORKDIR /var/lib/postgresql' \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV PGDATA=/var/lib/postgresql/sandbox' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'EXPOSE 5432/tcp' \
    --change 'STOPSIGNAL SIGINT' \
    --change 'ENTRYPOINT ["/usr/local/bin/sqlfleet-entrypoint"]'
}

build_mariadb() {
  local root="$1"
  install -m 755 "$files/mariadb-entrypoint.sh" "$root/usr/local/bin/sqlfleet-entrypoint"
  mkdir -p "$root/etc/mysql/mariadb.conf.d"
  install -m 644 "$files/mariadb-sandbox.cnf" "$root/etc/mysql/mariadb.conf.d/90-sqlfleet.cnf"
  in_chroot "$root" '
    apt-get update -qq
    apt-get install -y -qq mariadb-server >/tmp/apt.log || { tail -30 /tmp/apt.log; exit 1; }
    install -d -o mysql -g mysql -m 755 /run/mysqld
    rm -rf /var/lib/mysql-sandbox
    install -d -o mysql -g mysql -m 750 /var/lib/mysql-sandbox
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql-sandbox --skip-test-db --skip-name-resolve \
      --auth-root-authentication-method=normal >/tmp/install-db.log 2>&1 || { tail -30 /tmp/install-db.log; exit 1; }
    # install-db also made root@<build host name>: meaningless in a container, and warned
    # about at every start under skip-name-resolve.
    echo "DELETE FROM mysql.global_priv WHERE Host NOT IN ('"'"'localhost'"'"', '"'"'%'"'"');
      DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('"'"'localhost'"'"', '"'"'%'"'"');" |
      mariadbd --bootstrap --user=mysql --datadir=/var/lib/mysql-sandbox --log-warnings=0 2>/dev/null
    # The package made its own data directory too; the image uses only ours.
    rm -rf /var/lib/mysql
  '
  finish_tree "$root"
  import_tree "$root" localhost/sqlfleet/mariadb:10.11 \
    --change 'USER mysql' \
    --change 'WORKDIR /var/lib/mysql-sandbox' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'EXPOSE 3306/tcp' \
    --change 'ENTRYPOINT ["/usr/local/bin/sqlfleet-entrypoint"]'
}

import_tree() {
  local root="$1" image="$2" previous
  shift 2
  previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  tar -C "$root" -c . | podman import --quiet "$@" \
    --change "LABEL sqlfleet.recipe=$(recipe_hash)" \
    --change 'LABEL sqlfleet.image=sandbox-engine' \
    --message "sqlfleet local build from Debian $suite" - "$image" >/dev/null
  # The replaced image is left untagged; drop it unless a container still uses it.
  [[ -z "$previous" ]] || podman rmi "$previous" >/dev/null 2>&1 || true
}

image_of() {
  case "$1" in
  postgres) echo localhost/sqlfleet/postgres:15 ;;
  mariadb) echo localhost/sqlfleet/mariadb:10.11 ;;
  esac
}

mkdir -p "$cache/apt-archives/partial"
hash="$(recipe_hash)"
for engine in "${engines[@]}"; do
  image="$(image_of "$engine")"
  if ((!force)) && [[ "$(podman image inspect --format '{{index .Labels "sqlfleet.recipe"}}' "$image" 2>/dev/null)" == "$hash" ]]; then
    say "$image is up to date (recipe $hash)"
    continue
  fi
  ensure_rootfs_tar
  started=$SECONDS
  root="$(mktemp -d "$cache/build-$engine.XXXXXX")"
  # Unmount first if the chroot step died half-way, so rm never walks into /proc.
  trap 'umount -q "$root/var/cache/apt/archives" "$root/proc" 2>/dev/null || true; rm -rf --one-file-system "$root"' EXIT
  prepare_tree "$root"
  "build_$engine" "$root"
  umount -q "$root/var/cache/apt/archives" "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
  trap - EXIT
  say "built $image in $((SECONDS - started)) s"
done
