#!/bin/sh
# The browser pool's entry point: Playwright's own browser server (the `launch-server` of the Playwright jars hal9
# ships, so the versions match) on Debian's Chromium, listening on port 3000 of every interface of the container.
#
# Anyone who knows the endpoint's path can drive the browser, so the path is a secret: BROWSER_POOL_PATH, set by the
# operator (hal9's families.browser.connect is ws://HOST:3000/$BROWSER_POOL_PATH). Keep the port on a network only
# the hal9 instances reach.
#
# --no-sandbox: Chromium's own sandbox needs user namespaces, which container runtimes' default seccomp profiles
# refuse; the container is the boundary instead. With a profile that allows them, drop the flag.
set -eu
: "${BROWSER_POOL_PATH:?set BROWSER_POOL_PATH to a long random string (openssl rand -hex 24)}"
case "$BROWSER_POOL_PATH" in
  *[!A-Za-z0-9_-]*) echo "browser-pool: BROWSER_POOL_PATH may hold only letters, digits, _ and -" >&2; exit 2 ;;
esac
config="$(mktemp)"
cat > "$config" <<JSON
{"headless": true, "executablePath": "/usr/bin/chromium", "host": "0.0.0.0", "port": 3000,
 "wsPath": "/$BROWSER_POOL_PATH", "args": ["--no-sandbox"]}
JSON
echo "browser-pool: a Playwright browser server on port 3000, on $(chromium --version 2>/dev/null || echo "no chromium")" >&2
# the server prints its endpoint, secret path included, on stdout: kept out of the logs
exec java -XX:MaxRAMPercentage=25 -cp '/opt/hal9/lib/*' com.microsoft.playwright.CLI launch-server \
  --browser chromium --config "$config" >/dev/null
