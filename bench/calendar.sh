#!/usr/bin/env bash
# bench/calendar.sh — the calendar's figures: a million deadlines in working
# time on one core (bench/deadlines.c, gcc -O2), and the two public reads
# with wrk (GET /api/v1/calendar/2026, the year view; GET
# /api/v1/calendar/deadline). Prints a Markdown table.
#
#   bash bench/calendar.sh [--bin PATH] [--duration S] [--out FILE]
#
#   --bin PATH     tinhso binary (default: build/tinhso)
#   --duration S   seconds per wrk run (default 8)
#   --out FILE     also write the table to FILE
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/bench/lib.sh"
BIN=$ROOT/build/tinhso DURATION=8 OUT=
bench_options "bin=BIN duration=DURATION out=OUT" "$@"
bench_init calendar
need gcc wrk curl
[ -x "$BIN" ] || die "no tinhso binary at $BIN"

gcc -O2 -I"$ROOT/src" -o "$TMP/deadlines" "$ROOT/bench/deadlines.c" "$ROOT/src/platform/calendar.c" \
    "$ROOT/src/platform/worktime.c" -lm || die "cannot build bench/deadlines.c"
DL=$("$TMP/deadlines" 1000000)

"$BIN" demo --db "sqlite:$TMP/demo.db" >/dev/null || die "tinhso demo failed"
PORT=$(free_port)
"$BIN" serve --db "sqlite:$TMP/demo.db" --listen "127.0.0.1:$PORT" --threads 2 --no-access-log \
    >"$TMP/server.log" 2>&1 &
SRV=$!
bench_track "$SRV"
wait_ready "$PORT" "$SRV" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }

{
    echo "Calendar: tinhso $("$BIN" version | awk '{print $2}'), $(date -u +%FT%TZ)."
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Deadlines (one core): $DL"
    echo
    echo "| read (wrk -t2 -c64, server --threads 2, SQLite) | req/s | p99 |"
    echo "|---|---:|---:|"
    wrk_row "GET /api/v1/calendar/2026 (the year view, 36 KB)" /api/v1/calendar/2026
    wrk_row "GET /api/v1/calendar/deadline (15 working days)" "/api/v1/calendar/deadline?from=2026-02-13T10:00&working_days=15"
} | tee ${OUT:+"$OUT"}
