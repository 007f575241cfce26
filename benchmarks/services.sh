#!/usr/bin/env bash
# Online public services at scale: 1,000,000 dossiers loaded, the service-quality index over all of them, the
# diacritics-insensitive search over 2,000 procedures, submissions per second through the API (wrk); on SQLite (the
# default) or on PostgreSQL (a throwaway cluster on loopback, PostgreSQL's default settings: every commit flushed).
# Usage: benchmarks/services.sh [dossiers, default 1000000] [seconds per wrk run, default 10] [sqlite|postgres]
# PROVINCE=path/to/a/province measures that build (an older one, to compare) instead of building this checkout's.
set -euo pipefail
cd "$(dirname "$0")/.."
dossiers=${1:-1000000}
seconds=${2:-10}
engine=${3:-sqlite}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ "$engine" = postgres ] && ! command -v pg_config >/dev/null; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; fi
[ -x .venv/bin/python ] && .venv/bin/python -c "import requests, psycopg" 2>/dev/null || {
    python3 -m venv .venv && .venv/bin/pip install --quiet requests "psycopg[binary]"; }
province=${PROVINCE:-.build/release/province}
[ -n "${PROVINCE:-}" ] || swift build -c release --product province 2>&1 | tail -n 1
[ -x "$province" ] || { echo "PROVINCE=$province is not an executable"; exit 1; }
work=$(mktemp -d)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pid=""
stop() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    if [ -d "$work/pg" ]; then as_postgres "$(pg_config --bindir)/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap stop EXIT
database=()
if [ "$engine" = postgres ]; then
    pg_port=$(free_port)
    mkdir -p "$work/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
    as_postgres "$(pg_config --bindir)/initdb" -D "$work/pg" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$(pg_config --bindir)/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
        -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=1GB" start >/dev/null
    as_postgres psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE province" >/dev/null
    database=(--database-url "postgres://postgres@127.0.0.1:$pg_port/province?sslmode=disable")
fi
port=$(free_port)
"$province" serve --demo --data-dir "$work" --port "$port" --hub-port 0 --hub-tls-port 0 "${database[@]}" >"$work/province.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done
.venv/bin/python benchmarks/services.py "http://127.0.0.1:$port" "$work" "$province" "$dossiers" "$seconds" "${database[@]:1}"
echo "reproduce: ${PROVINCE:+PROVINCE=$PROVINCE }benchmarks/services.sh $dossiers $seconds $engine"
