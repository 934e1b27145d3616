#!/usr/bin/env bash
# Installs the test-only npm peers pinned in package-lock.json (ethers, an independent ABI codec the differential
# test compares hal9's against), unless node_modules already matches the lock file. Run by the Maven build before
# the tests. Unlike ../toolchain, nothing here ships; a missing npm fails the build, because the test needs ethers.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/ethers/package.json ]; then
  exit 0
fi
echo "tools/contracts: installing test peers (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
