#!/usr/bin/env bash
# Installs the contracts family's Node packages (solc-js, solhint, OpenZeppelin Contracts) pinned in
# package-lock.json, unless node_modules already matches it. Run by the Maven build. Without npm it warns and
# goes on: the server then starts, and the contract tools say what is missing.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "tools/contracts: npm not found; contract tools stay unavailable until 'npm ci' runs in $(pwd)" >&2
  exit 0
fi
echo "tools/contracts: installing the Solidity toolchain (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
