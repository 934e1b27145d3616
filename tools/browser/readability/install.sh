#!/usr/bin/env bash
# Installs Mozilla's Readability (pinned in package-lock.json) and copies Readability.js and its licence into the
# browser family's classes ($1), where browser_extract what=text finds it. Run by the Maven build. Without npm it
# warns and goes on: text mode then gives the whole page's text and says that the article extractor is missing.
set -euo pipefail
cd "$(dirname "$0")"
out="$1"
stamp=node_modules/.hal9-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "tools/browser: npm not found; browser_extract what=text gives whole pages until 'npm ci' runs in $(pwd)" >&2
    exit 0
  fi
  echo "tools/browser: installing Readability (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
mkdir -p "$out/dev/hal9/tools/browser" "$out/META-INF"
cp node_modules/@mozilla/readability/Readability.js "$out/dev/hal9/tools/browser/Readability.js"
cp node_modules/@mozilla/readability/LICENSE.md "$out/META-INF/LICENSE-mozilla-readability.md"
