#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (playwright-core drives it; no browser is
# ever downloaded), idempotently, on a Debian 12 machine run as root. Prints the binary's
# path on its last line.
set -euo pipefail

binary=/usr/bin/chromium
if [[ ! -x "$binary" ]]; then
  echo "chromium-setup: installing chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
echo "$binary"
