#!/usr/bin/env bash
# Installs the npm peers pinned in package-lock.json (anvil, a real EVM dev chain, and ethers, an independent
# signer and keystore for the differential tests), unless node_modules already matches the lock file and holds
# each of them. Run by the Maven build before the tests.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ] \
  && [ -f node_modules/ethers/package.json ]; then
  exit 0
fi
echo "tools/chain: installing npm peers (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
