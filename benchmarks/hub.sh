#!/usr/bin/env bash
# The hub's gateway against nginx as a reverse proxy, in one run, all on loopback (wrk, 1 thread):
#   direct   wrk -> nginx answering a small JSON body itself (the origin)
#   nginx    wrk -> nginx proxying (keep-alive upstream) -> origin
#   bare_nio wrk -> a bare SwiftNIO proxy (benchmarks/bare-proxy: NIOHTTP1 both sides, one upstream connection per
#            client connection, no authentication, no log) -> origin
#   bytes_nio   the same program passing bytes without reading them as HTTP: SwiftNIO's and the kernel's floor
#   hub      wrk -> province's gateway (key check, right check, message log) -> origin
#   hub_bodies  the same through a service that also keeps both bodies in the message log
# and a 1 MiB response through nginx and through the hub. Release build, SQLite, demo province.
# Usage: benchmarks/hub.sh [seconds per run, default 10] [connections, default 64] [rounds, default 1]
# BASELINE=path/to/an/older/province runs that build beside this one, set up the same way, and each round measures
# both gateways in turn (the order alternating), so that a change is judged against the machine's drift.
# With several rounds the small-body runs are repeated in turn (nginx, the bare proxies, hub, hub with bodies) and the
# medians reported with the median of each round's ratios: this shared machine's speed drifts within minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-64}
rounds=${3:-1}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

swift build -c release --product province 2>&1 | tail -n 1
swift build -c release --package-path benchmarks/bare-proxy 2>&1 | tail -n 1
bare_binary=benchmarks/bare-proxy/.build/release/bare-proxy
binary=.build/release/province
baseline=${BASELINE:-}
[ -z "$baseline" ] || [ -x "$baseline" ] || { echo "BASELINE=$baseline is not an executable"; exit 1; }
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
origin_port=$(free_port); proxy_port=$(free_port); bare_port=$(free_port); bytes_port=$(free_port)
cleanup() {
    kill "$province_pid" "${baseline_pid:-}" "$bare_pid" "$bytes_pid" 2>/dev/null || true
    "$nginx_bin" -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true
    rm -rf "$work"
}
province_pid= baseline_pid= bare_pid= bytes_pid=
trap cleanup EXIT

chmod 755 "$work"
head -c 1048576 /dev/urandom >"$work/big.bin"
chmod 644 "$work/big.bin"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    upstream origin { server 127.0.0.1:$origin_port; keepalive 128; }
    server {
        listen 127.0.0.1:$origin_port;
        location / { default_type application/json; return 200 '{"ok":true,"province":"Lam Dong","units":124}'; }
        location = /big { alias $work/big.bin; }
    }
    server {
        listen 127.0.0.1:$proxy_port;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf"
"$bare_binary" "$bare_port" "$origin_port" >"$work/bare.log" 2>&1 &
bare_pid=$!
"$bare_binary" "$bytes_port" "$origin_port" --bytes >"$work/bytes.log" 2>&1 &
bytes_pid=$!

# start_hub NAME BINARY: a province with the demo data, the origin registered as two services (one keeping its bodies
# in the message log) and a key for the consumer; sets NAME_pid, NAME_web (its API) and NAME_url (its gateway's service).
start_hub() {
    local name=$1 program=$2 web hub pid api token key
    web=$(free_port); hub=$(free_port)
    PROVINCE_METRICS_TOKEN=bench-metrics "$program" serve --demo --data-dir "$work/$name" --port "$web" --hub-port "$hub" --hub-tls-port 0 \
        >"$work/$name.log" 2>&1 &
    pid=$!
    printf -v "${name}_pid" '%s' "$pid"  # at once, so that the exit's cleanup stops it whatever happens next
    until curl -sf "http://127.0.0.1:$web/health" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "$name ($program) did not start:"; tail -n 20 "$work/$name.log"; exit 1; }
        sleep 0.1
    done
    api="http://127.0.0.1:$web/api/v1"
    token=$(curl -sf -X POST "$api/auth/token" -H 'content-type: application/json' -d '{"username":"admin","password":"LamDong@2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    call() { curl -sf -X "$1" "$api$2" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$3"; }
    call POST /hub/members '{"instance":"VN","memberClass":"GOV","memberCode":"000.00.02.H38","name":"Sở TTTT"}' >/dev/null
    call POST /hub/members '{"instance":"VN","memberClass":"GOV","memberCode":"000.00.07.H38","name":"Sở Y tế"}' >/dev/null
    call POST /hub/subsystems '{"memberID":"VN/GOV/000.00.02.H38","subsystemCode":"DATA","name":"Kho dữ liệu"}' >/dev/null
    call POST /hub/subsystems '{"memberID":"VN/GOV/000.00.07.H38","subsystemCode":"YTE","name":"Hệ thống y tế"}' >/dev/null
    call POST /hub/services "{\"subsystemID\":\"VN/GOV/000.00.02.H38/DATA\",\"serviceCode\":\"origin\",\"upstreamURL\":\"http://127.0.0.1:$origin_port\"}" >/dev/null
    call PATCH /hub/services/VN:GOV:000.00.02.H38:DATA:origin '{"enabled":true}' >/dev/null
    call POST /hub/rights '{"consumerID":"VN/GOV/000.00.07.H38/YTE","serviceID":"VN/GOV/000.00.02.H38/DATA/origin"}' >/dev/null
    call POST /hub/services "{\"subsystemID\":\"VN/GOV/000.00.02.H38/DATA\",\"serviceCode\":\"bodies\",\"upstreamURL\":\"http://127.0.0.1:$origin_port\",\"logBodies\":true}" >/dev/null
    call PATCH /hub/services/VN:GOV:000.00.02.H38:DATA:bodies '{"enabled":true}' >/dev/null
    call POST /hub/rights '{"consumerID":"VN/GOV/000.00.07.H38/YTE","serviceID":"VN/GOV/000.00.02.H38/DATA/bodies"}' >/dev/null
    key=$(call POST /hub/subsystems/VN:GOV:000.00.07.H38:YTE/keys '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
    printf -v "${name}_pid" '%s' "$pid"
    printf -v "${name}_web" '%s' "$web"
    printf -v "${name}_token" '%s' "$token"
    printf -v "${name}_key" '%s' "$key"
    printf -v "${name}_url" '%s' "http://127.0.0.1:$hub/r1/VN/GOV/000.00.02.H38/DATA/origin"
}
start_hub province "$binary"
[ -z "$baseline" ] || start_hub baseline "$baseline"
api="http://127.0.0.1:$province_web/api/v1"
token=$province_token
call() { curl -sf -X "$1" "$api$2" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$3"; }
sleep 1.5  # the gateway reloads the registry within a second
hub=$province_url
headers=(-H "X-Road-Client: VN/GOV/000.00.07.H38/YTE" -H "X-Road-Client-Key: $province_key")
curl -sf "${headers[@]}" "$hub/" >/dev/null || { echo "the hub did not forward:"; curl -s "${headers[@]}" "$hub/"; exit 1; }
if [ -n "$baseline" ]; then
    baseline_headers=(-H "X-Road-Client: VN/GOV/000.00.07.H38/YTE" -H "X-Road-Client-Key: $baseline_key")
    curl -sf "${baseline_headers[@]}" "$baseline_url/" >/dev/null || { echo "the baseline did not forward"; exit 1; }
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system time of a process, in clock ticks
run() {  # name url [wrk args...]; with $measured set to a pid, also that process's CPU time per request
    local name=$1 url=$2; shift 2
    local out before=0
    [ -n "${measured:-}" ] && before=$(cpu_ticks "$measured")
    out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" "$url")
    local rps p50 p99 errors cpu="" perRequest=0 web=""
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    if [ -n "${measured:-}" ]; then
        local ticks=$(($(cpu_ticks "$measured") - before)) hz
        hz=$(getconf CLK_TCK)
        perRequest=$(awk -v ticks="$ticks" -v hz="$hz" -v rps="$rps" -v s="$duration" 'BEGIN { printf "%.1f", ticks / hz / (rps * s) * 1e6 }')
        cpu=$(awk -v ticks="$ticks" -v hz="$hz" -v us="$perRequest" -v s="$duration" \
            'BEGIN { printf "   proxy CPU %.0f us/req (%.2f cores)", us, ticks / hz / s }')
    fi
    [ "${measured:-}" = "${province_pid:-}" ] && web=$province_web
    [ -n "${baseline_pid:-}" ] && [ "${measured:-}" = "$baseline_pid" ] && web=$baseline_web
    if [ -n "$web" ]; then
        # What the journal holds beyond the database when the load stops: a figure bought by letting the import fall
        # behind would show here (it stays within one import's worth while the import keeps up).
        local backlog
        backlog=$(curl -s -H "Authorization: Bearer bench-metrics" "http://127.0.0.1:$web/metrics" | awk '/^hub_journal_backlog_bytes/ {print $2}')
        cpu="$cpu   backlog $backlog B"
        # The next run starts once this one's records are imported: no run pays for the one before.
        for _ in $(seq 100); do
            [ "$(curl -s -H "Authorization: Bearer bench-metrics" "http://127.0.0.1:$web/metrics" | awk '/^hub_journal_backlog_bytes/ {print $2}')" = 0 ] && break
            sleep 0.1
        done
    fi
    printf '  %-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s%s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}" "$cpu"
    eval "rps_$name=$rps"
    echo "$round $name $rps $p99 $perRequest" >>"$work/runs"
}
# One round's turn of the gateway under test, and of the baseline when there is one (first in even rounds).
run_hubs() {
    if [ -n "$baseline" ] && [ $((round % 2)) = 0 ]; then
        measured=$baseline_pid run baseline "$baseline_url/" "${baseline_headers[@]}"
    fi
    measured=$province_pid run hub "$hub/" "${headers[@]}"
    if [ -n "$baseline" ] && [ $((round % 2)) = 1 ]; then
        measured=$baseline_pid run baseline "$baseline_url/" "${baseline_headers[@]}"
    fi
}
round=1
messages_before=$(call GET "/hub/messages/verify" "" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recordsChecked"])')
# Two seconds of each proxy's traffic first, unmeasured: pools filled and pages touched, as in steady service.
for target in "http://127.0.0.1:$proxy_port/" "http://127.0.0.1:$bare_port/" "http://127.0.0.1:$bytes_port/"; do wrk -t1 -c"$connections" -d2s "$target" >/dev/null; done
wrk -t1 -c"$connections" -d2s "${headers[@]}" "$hub/" >/dev/null
[ -z "$baseline" ] || wrk -t1 -c"$connections" -d2s "${baseline_headers[@]}" "$baseline_url/" >/dev/null
echo "Hub gateway benchmark ($(nproc) cores, wrk 1 thread, $connections connections, ${duration}s a run, $(date -u +%Y-%m-%dT%H:%MZ))"
run direct "http://127.0.0.1:$origin_port/"
run nginx "http://127.0.0.1:$proxy_port/"
measured=$bare_pid run bare_nio "http://127.0.0.1:$bare_port/"
measured=$bytes_pid run bytes_nio "http://127.0.0.1:$bytes_port/"
if [ -n "${PROFILE:-}" ]; then  # PROFILE=file.data: sample the province process while the hub run lasts
    perf record -e cpu-clock -g -p "$province_pid" -o "$PROFILE" -- sleep "$duration" >/dev/null 2>&1 &
fi
run_hubs
measured=$province_pid run hub_bodies "${hub%/origin}/bodies/" "${headers[@]}"
run nginx_1MiB "http://127.0.0.1:$proxy_port/big"
run hub_1MiB "$hub/big" "${headers[@]}"
for round in $(seq 2 "$rounds"); do
    echo " round $round"
    run nginx "http://127.0.0.1:$proxy_port/"
    measured=$bare_pid run bare_nio "http://127.0.0.1:$bare_port/"
    measured=$bytes_pid run bytes_nio "http://127.0.0.1:$bytes_port/"
    run_hubs
    measured=$province_pid run hub_bodies "${hub%/origin}/bodies/" "${headers[@]}"
done
if [ "$rounds" -gt 1 ] || [ -n "$baseline" ]; then
    python3 - "$work/runs" <<'PY'
import statistics, sys
runs, tails, cpu = {}, {}, {}
def milliseconds(text):
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit): return float(text[: -len(unit)]) * scale
for line in open(sys.argv[1]):
    round_, name, rps, p99, per_request = line.split()
    runs.setdefault(round_, {})[name] = float(rps)
    tails.setdefault(round_, {})[name] = milliseconds(p99)
    cpu.setdefault(round_, {})[name] = float(per_request)
if "baseline" in runs["1"]:
    speed = [r["hub"] / r["baseline"] for r in runs.values()]
    cost = [c["hub"] / c["baseline"] for c in cpu.values()]
    print(f"  this build / the baseline, each round: req/s {', '.join(f'{x:.2f}' for x in speed)};"
          f" CPU per request {', '.join(f'{x:.2f}' for x in cost)}")
    print(f"  medians: req/s {statistics.median(speed):.2f} x the baseline's, CPU per request {statistics.median(cost):.2f} x"
          f" ({statistics.median(c['hub'] for c in cpu.values()):.1f} against {statistics.median(c['baseline'] for c in cpu.values()):.1f} us)")
if len(runs) < 2: sys.exit(0)
def median(key): return statistics.median(r[key] for r in runs.values())
def ratio(a, b): return statistics.median(r[a] / r[b] for r in runs.values())
print(f"  medians over {len(runs)} rounds: nginx {median('nginx'):,.0f}  bare {median('bare_nio'):,.0f}"
      f"  bytes {median('bytes_nio'):,.0f}  hub {median('hub'):,.0f}"
      f"  hub with bodies {median('hub_bodies'):,.0f} req/s")
print(f"  median ratios: hub / nginx {ratio('hub', 'nginx'):.2f}  with bodies {ratio('hub_bodies', 'nginx'):.2f}"
      f"  bare / nginx {ratio('bare_nio', 'nginx'):.2f}  bytes / nginx {ratio('bytes_nio', 'nginx'):.2f}"
      f"  hub / bare {ratio('hub', 'bare_nio'):.2f}")
print(f"  median p99: nginx {statistics.median(t['nginx'] for t in tails.values()):.2f} ms, hub"
      f" {statistics.median(t['hub'] for t in tails.values()):.2f} ms, hub minus nginx in the same round"
      f" {statistics.median(t['hub'] - t['nginx'] for t in tails.values()):+.2f} ms")
PY
fi
verify=$(call GET "/hub/messages/verify" "")
echo "  message log after the runs: $verify (records before: $messages_before)"
python3 - "$rps_hub" "$rps_nginx" "$rps_hub_1MiB" "$rps_nginx_1MiB" "$rps_hub_bodies" "$rps_bare_nio" <<'PY'
import sys
hub, nginx, hub_big, nginx_big, hub_bodies, bare = map(float, sys.argv[1:])
print(f"  hub / nginx (small): {hub / nginx:.2f}   with bodies: {hub_bodies / nginx:.2f}   hub / nginx (1 MiB): {hub_big / nginx_big:.2f}")
print(f"  bare SwiftNIO proxy / nginx: {bare / nginx:.2f}   hub / bare SwiftNIO proxy: {hub / bare:.2f}")
PY
echo "reproduce: ${baseline:+BASELINE=$baseline }benchmarks/hub.sh $duration $connections $rounds"
