#!/usr/bin/env bash
# The spine's figures: start-up time, idle memory, sign-in throughput of `province serve` (release build, SQLite).
# References measured in the same run: the bcrypt verifications a second the machine does with the `bcrypt`
# package from PyPI (C code, same cost, one process per core), since a sign-in is mostly one bcrypt check, and
# the same server's GET /health (framework plus one database read).
# Usage: benchmarks/spine.sh [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import bcrypt" 2>/dev/null || .venv/bin/pip install -q bcrypt

swift build -c release --product province 2>&1 | tail -n 1
binary=.build/release/province
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

now_ms() { date +%s%3N; }
wait_healthy() { until curl -sf "$url/health" >/dev/null; do sleep 0.01; done; }

start=$(now_ms)
"$binary" serve --demo --data-dir "$work" --port "$port" --hub-port 0 --hub-tls-port 0 >"$work/first.log" 2>&1 &
pid=$!
wait_healthy
first_start=$(( $(now_ms) - start ))
kill -TERM $pid; wait $pid || true

start=$(now_ms)
"$binary" serve --demo --data-dir "$work" --port "$port" --hub-port 0 --hub-tls-port 0 >"$work/second.log" 2>&1 &
pid=$!
wait_healthy
second_start=$(( $(now_ms) - start ))
sleep 5
idle_rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)

cat >"$work/signin.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "yte.canbo", "password": "LamDong@2025"}'
LUA
signin=$(wrk -t1 -c8 -d"${duration}s" -s "$work/signin.lua" --latency "$url/api/v1/auth/token")
health=$(wrk -t1 -c64 -d"${duration}s" --latency "$url/health")
rss_after_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
signin_rps=$(echo "$signin" | awk '/Requests\/sec/ {print $2}')
signin_p99=$(echo "$signin" | awk '$1 == "99%" {print $2}')
signin_non2xx=$(echo "$signin" | awk '/Non-2xx/ {print $NF}')
health_rps=$(echo "$health" | awk '/Requests\/sec/ {print $2}')
health_p99=$(echo "$health" | awk '$1 == "99%" {print $2}')

bcrypt_rate=$(.venv/bin/python - "$duration" <<'PY'
import bcrypt, multiprocessing, sys, time
hashed = bcrypt.hashpw(b"LamDong@2025", bcrypt.gensalt(11))
def work(seconds):
    end, count = time.time() + seconds, 0
    while time.time() < end:
        bcrypt.checkpw(b"LamDong@2025", hashed); count += 1
    return count
seconds = min(float(sys.argv[1]), 5.0)
with multiprocessing.Pool(multiprocessing.cpu_count()) as pool:
    print(f"{sum(pool.map(work, [seconds] * multiprocessing.cpu_count())) / seconds:.1f}")
PY
)

echo "OpenProvince spine benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "  first start (migrations + demo load) to healthy: ${first_start} ms"
echo "  second start to healthy:                         ${second_start} ms"
echo "  idle RSS after start: $((idle_rss_kb / 1024)) MiB; after the load runs: $((rss_after_kb / 1024)) MiB"
echo "  sign-in (POST /api/v1/auth/token, bcrypt cost 11, 8 connections): ${signin_rps} req/s, p99 ${signin_p99}, non-2xx ${signin_non2xx:-0}"
echo "  reference, bcrypt checks/s on all cores (PyPI bcrypt, cost 11): ${bcrypt_rate}"
echo "  ratio sign-in / bcrypt reference: $(python3 -c "print(f'{$signin_rps / $bcrypt_rate:.2f}')")"
echo "  GET /health (64 connections): ${health_rps} req/s, p99 ${health_p99}"
echo "reproduce: benchmarks/spine.sh $duration"
