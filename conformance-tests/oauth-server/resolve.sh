#!/usr/bin/env bash
# Writes the classpath of the OAuth authorization server the tests run (no.nav.security:mock-oauth2-server, a real
# OAuth 2.1 / OpenID provider with a standalone main) to target/oauth-server.classpath, resolving it with Maven.
# Usage: resolve.sh OUTPUT_FILE offline=true|false LOCAL_REPOSITORY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
offline=()
if [ "${2:-}" = "offline=true" ]; then offline=(-o); fi
if [ -s "$out" ] && [ "$out" -nt "$here/pom.xml" ]; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
"$here/../../mvnw" -q -B "${offline[@]}" -Dmaven.repo.local="$3" -f "$here/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile="$out" \
  -Dmdep.includeScope=runtime
