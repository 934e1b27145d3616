#!/usr/bin/env bash
# server_info under load on one hal9 instance with H2, one with PostgreSQL, and three on one PostgreSQL behind HAProxy,
# in one run: replaces the Instances section of bench/RESULTS.md.
#   conformance-tests/bench/run-instances.sh [--quick] [--no-wait]
# Needs Debian's postgresql and haproxy (apt-get install postgresql haproxy; .ci/run installs both). First waits, at
# most 20 minutes, for a quiet machine (1-minute load below 1.5; --no-wait: not at all), then takes about 8 minutes
# (--quick: 2). Everything listens on 127.0.0.1 only, and every process and folder it makes is removed at exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quick= wait_quiet=1
for argument in "$@"; do
  case "$argument" in
    --quick) quick=1 ;;
    --no-wait) wait_quiet= ;;
    *) echo "usage: $0 [--quick] [--no-wait]" >&2; exit 2 ;;
  esac
done
clients=8,32
# warm-up calls per instance before a setup's first row (the JIT compiles by call counts), then seconds on new sessions
if [ -n "$quick" ]; then seconds=5 warmup=2 warmup_calls=3000; else seconds=20 warmup=5 warmup_calls=30000; fi

jdk="$("$root/hal9" --java-home)"
"$root/hal9" version >/dev/null          # builds on first use
java="$jdk/bin/java"
jar="$root/mcp-server/runtime/target/hal9.jar"
pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"
if [ ! -x "$pgbin/initdb" ] || [ ! -x "$haproxy" ]; then
  echo "run-instances.sh needs PostgreSQL and HAProxy: apt-get install postgresql haproxy" >&2
  exit 1
fi

tmp="$(mktemp -d /tmp/hal9-instances-bench.XXXXXX)"
pgdir="$(mktemp -d /tmp/hal9-instances-pg.XXXXXX)"
pids=()
as_postgres() { # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_pids() { # PID...: SIGTERM, up to 20 s for a clean exit, then SIGKILL; forgets them
  local pid i alive kept=()
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 1 200); do
    alive=
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do [[ " $* " == *" $pid "* ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}
cleanup() {
  [ "${#pids[@]}" -gt 0 ] && stop_pids "${pids[@]}"
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp" "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. a quiet machine first: other work on the same 2 cores would be measured as hal9's
waited=0 quiet=yes
load="$(cut -d' ' -f1 /proc/loadavg)"
if [ -n "$wait_quiet" ]; then
  while ! awk -v load="$load" 'BEGIN { exit !(load < 1.5) }'; do
    if [ "$waited" -ge 1200 ]; then
      quiet=no
      echo "the machine is still busy after 20 minutes (1-minute load $load): measuring anyway, and saying so" >&2
      break
    fi
    echo "waiting for a quiet machine: 1-minute load $load, waiting for it below 1.5 ($waited s of at most 1200 s)" >&2
    sleep 15
    waited=$((waited + 15))
    load="$(cut -d' ' -f1 /proc/loadavg)"
  done
elif ! awk -v load="$load" 'BEGIN { exit !(load < 1.5) }'; then
  quiet=no
fi
echo "starting at a 1-minute load of $load" >&2

# 2. a throw-away PostgreSQL cluster on 127.0.0.1, with PostgreSQL's defaults otherwise (fsync on)
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
pgport="$(free_port)"
as_postgres "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -w -t 60 -l "$pgdir/log" \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1" start >/dev/null
as_postgres "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres hal9
pgpid="$(head -n1 "$pgdir/data/postmaster.pid")"
pgenv=(HAL9_DB_URL="jdbc:postgresql://127.0.0.1:$pgport/hal9" HAL9_DB_USER=postgres)

hal9_env() { # NAME: the environment of an instance (or a CLI run) with a home of its own under $tmp
  local home="$tmp/$1"
  mkdir -p "$home"
  echo HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache"
}
token() { # NAME [ENV=VALUE...]: a token for alice, made in NAME's data directory (and database)
  local name="$1"; shift
  mkdir -p "$tmp/$name"
  # shellcheck disable=SC2046
  (cd "$tmp/$name" && exec env $(hal9_env "$name") "$@" "$java" -jar "$jar" token create --principal alice \
     --capability '*' --data-dir "$tmp/$name/data" 2>/dev/null)
}
started_pid= started_port=
start_hal9() { # NAME [ENV=VALUE...]: an instance on a free port of 127.0.0.1; sets started_pid and started_port
  local name="$1"; shift
  local log="$tmp/$name/stderr.log" i line
  mkdir -p "$tmp/$name"
  # shellcheck disable=SC2046
  (cd "$tmp/$name" && exec env $(hal9_env "$name") "$@" "$java" -jar "$jar" serve --http 127.0.0.1:0 --auth token \
     --data-dir "$tmp/$name/data" >/dev/null 2>"$log") &
  started_pid=$!
  pids+=("$started_pid")
  started_port=
  for i in $(seq 1 1200); do
    line="$(grep -m1 -o 'hal9 listening on http://127.0.0.1:[0-9]*/mcp' "$log" 2>/dev/null || true)"
    if [ -n "$line" ]; then
      started_port="${line##*:}"
      started_port="${started_port%/mcp}"
      return 0
    fi
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "hal9 ($name) did not start:" >&2
  cat "$log" >&2
  exit 1
}
data="$tmp/results.tsv"
measure() { # LABEL URL TOKEN INSTANCES [DRIVER OPTION...]
  local label="$1" url="$2" secret="$3" instances="$4"; shift 4
  "$java" "$here/InstancesBench.java" load --label "$label" --url "$url" --token "$secret" --clients "$clients" \
    --seconds "$seconds" --warmup "$warmup" --warmup-calls "$((warmup_calls * instances))" --hz "$(getconf CLK_TCK)" \
    --out "$data" --cpu "postgres=$pgpid" "$@"
}

# 3. one instance on H2 (the token first: the server then holds the H2 file)
secret="$(token h2)"
start_hal9 h2
measure "one instance, H2" "http://127.0.0.1:$started_port/mcp" "$secret" 1 --cpu "hal9=$started_pid" \
  --metrics "http://127.0.0.1:$started_port/metrics"
stop_pids "$started_pid"

# 4. one instance on PostgreSQL
secret="$(token pg-token "${pgenv[@]}")"
start_hal9 pg "${pgenv[@]}"
measure "one instance, PostgreSQL" "http://127.0.0.1:$started_port/mcp" "$secret" 1 --cpu "hal9=$started_pid" \
  --metrics "http://127.0.0.1:$started_port/metrics"
stop_pids "$started_pid"

# 5. three instances on the same PostgreSQL behind HAProxy, configured as MultiInstanceTest's HaProxy does
ports=() instance_pids=() metrics=()
for i in 1 2 3; do
  start_hal9 "pg-$i" "${pgenv[@]}"
  ports+=("$started_port") instance_pids+=("$started_pid") metrics+=("http://127.0.0.1:$started_port/metrics")
done
lbport="$(free_port)" statsport="$(free_port)"
{
  cat <<CFG
global
    maxconn 512
defaults
    mode http
    timeout connect 5s
    timeout client 10m
    timeout server 10m
    timeout check 5s
frontend mcp
    bind 127.0.0.1:$lbport
    default_backend hal9
backend hal9
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    stick-table type string len 128 size 100k expire 1h
    stick match req.hdr(mcp-session-id)
    stick store-response res.hdr(mcp-session-id)
CFG
  for i in 1 2 3; do
    echo "    server hal9-$i 127.0.0.1:${ports[$((i - 1))]} check inter 500ms fall 2 rise 2"
  done
  cat <<CFG
listen stats
    bind 127.0.0.1:$statsport
    stats enable
    stats uri /stats
CFG
} >"$tmp/haproxy.cfg"
"$haproxy" -c -q -f "$tmp/haproxy.cfg"
"$haproxy" -db -f "$tmp/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
lbpid=$!
pids+=("$lbpid")
for i in $(seq 1 300); do
  up="$({ curl -s "http://127.0.0.1:$statsport/stats;csv" 2>/dev/null || true; } | awk -F, '$1 == "hal9" && $2 ~ /^hal9-/ && $18 == "UP"' | wc -l)"
  [ "$up" -eq 3 ] && break
  kill -0 "$lbpid" 2>/dev/null || { cat "$tmp/haproxy.log" >&2; exit 1; }
  sleep 0.1
done
[ "$up" -eq 3 ] || { echo "HAProxy did not see its three instances up" >&2; cat "$tmp/haproxy.log" >&2; exit 1; }
measure "three instances, PostgreSQL, HAProxy" "http://127.0.0.1:$lbport/mcp" "$secret" 3 \
  --cpu "hal9=$(IFS=+; echo "${instance_pids[*]}")" --cpu "haproxy=$lbpid" --metrics "$(IFS=,; echo "${metrics[*]}")"

# 6. the section
facts="$tmp/facts"
{
  echo "arguments=$*"
  echo "date=$(date -u +%F)"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  echo "memory=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1024 / 1024 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "jdk=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
  echo "postgres=$("$pgbin/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
  echo "haproxy=$("$haproxy" -v | head -n1 | sed 's/^HAProxy version \([^ ]*\).*/\1/')"
  echo "quiet=$quiet"
  echo "waited=$waited"
  echo "load=$load"
  echo "seconds=$seconds"
  echo "warmup=$warmup"
  echo "warmup-calls=$warmup_calls"
} >"$facts"
section="$("$java" "$here/InstancesBench.java" report --data "$data" --facts "$facts")"
results="$here/RESULTS.md"
# replace an earlier instances section (it runs up to the next '## ' heading), keep the rest
python3 - "$results" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else ''
pattern = re.compile(r"^## Instances: .*?(?=^## (?!#)|\Z)", re.S | re.M)
text = pattern.sub('', text).rstrip('\n') + '\n\n' + section.strip('\n') + '\n'
open(path, 'w').write(text)
PY
echo "$section"
