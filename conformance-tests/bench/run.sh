#!/usr/bin/env bash
# Runs hal9's benchmarks against named peers in the same run and writes bench/RESULTS.md.
#   conformance-tests/bench/run.sh [--quick]
# Builds the server and installs the npm peers first if needed. Takes about 4 minutes (--quick: 1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jdk="$("$root/hal9" --java-home)"
"$root/hal9" build >/dev/null            # builds if needed and makes the stdio start-up cache
# the conformance fixtures (test code) that the HTTP load test calls beside server_info
(cd "$root" && JAVA_HOME="$jdk" ./mvnw -q -B test-compile -pl conformance-tests)
bash "$here/../install-peers.sh"
exec "$jdk/bin/java" "$here/Bench.java" "$root" "$@"
