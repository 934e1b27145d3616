#!/usr/bin/env bash
# Installs the analysis tests' npm peers pinned in package-lock.json (whatsabi, an independent reader of bytecode,
# and the compiled contracts of Uniswap v2 and OpenZeppelin), unless node_modules already matches the lock file.
# Run by the Maven build before the tests; nothing here ships.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/@shazow/whatsabi/package.json ]; then
  exit 0
fi
echo "tools/analysis: installing test peers (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
