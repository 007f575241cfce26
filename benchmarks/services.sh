#!/usr/bin/env bash
# Online public services at scale, on SQLite: 1,000,000 dossiers loaded, the service-quality index over all of them,
# the diacritics-insensitive search over 2,000 procedures, submissions per second through the API (wrk).
# Usage: benchmarks/services.sh [dossiers, default 1000000] [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
dossiers=${1:-1000000}
seconds=${2:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x .venv/bin/python ] && .venv/bin/python -c "import requests" 2>/dev/null || { python3 -m venv .venv && .venv/bin/pip install --quiet requests; }
swift build -c release --product province 2>&1 | tail -n 1
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.build/release/province serve --demo --data-dir "$work" --port "$port" --hub-port 0 --hub-tls-port 0 >"$work/province.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done
.venv/bin/python benchmarks/services.py "http://127.0.0.1:$port" "$work" .build/release/province "$dossiers" "$seconds"
echo "reproduce: benchmarks/services.sh $dossiers $seconds"
