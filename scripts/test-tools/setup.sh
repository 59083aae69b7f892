#!/usr/bin/env bash
# Installs the Debian tools some tests drive, idempotently, on a Debian 12 machine run as root:
#   chromium  - the proctor dashboard's browser test (playwright-core drives it; no browser is
#               ever downloaded by Playwright)
#   promtool  - unit tests of infra/prometheus/alerts.yml (Debian's prometheus package)
# The prometheus package would start its server on install: service starts are refused while
# installing (policy-rc.d), as the sandbox image builds do.
set -euo pipefail

say() { echo "test-tools: $*" >&2; }
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-dejavu-core)
command -v promtool >/dev/null || missing+=(prometheus)
((${#missing[@]})) || exit 0

say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
trap '[[ $made_policy == 1 ]] && rm -f "$policy"' EXIT
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing); $(promtool --version 2>&1 | head -1)"
