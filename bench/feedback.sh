#!/usr/bin/env bash
# bench/feedback.sh — the citizen feedback figures of issue 11 on SQLite (or,
# with --pg URL, on that PostgreSQL database, which must be empty), server
# --threads 2:
#   - `tinhso demo --reports N`: a year of reports generated (wall time);
#   - `GET /open311/v2/requests.json`, a page of 50 in a 30-day window at a
#     random point of the year (wrk, a Lua script);
#   - the public map's list (`/api/v1/public/feedback?bbox=…`, 100 a page);
#   - sending a report with one ~1 MB photo (two requests a report) by 16
#     clients for DURATION seconds; then every code checked unique and the
#     audit chain verified.
# The point-in-polygon figure is bench/geo.c's. Prints a Markdown table.
#
#   bash bench/feedback.sh [--bin PATH] [--count N] [--duration S] [--pg URL] [--out FILE]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/bench/lib.sh"
BIN=$ROOT/build/tinhso COUNT=1000000 DURATION=10 PG= OUT=
bench_options "bin=BIN count=COUNT duration=DURATION pg=PG out=OUT" "$@"
bench_init feedback
need wrk curl node gcc pkg-config
[ -x "$BIN" ] || die "no tinhso binary at $BIN"
DB=${PG:-sqlite:$TMP/demo.db}

t0=$(date +%s.%N)
"$BIN" demo --db "$DB" --reports "$COUNT" >"$TMP/demo.log" || { cat "$TMP/demo.log" >&2; die "tinhso demo failed"; }
t1=$(date +%s.%N)
GEN=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
say "generated $COUNT reports in $GEN s"

PORT=$(free_port)
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --threads 2 --no-access-log >"$TMP/server.log" 2>&1 &
SRV=$!
bench_track "$SRV"
wait_ready "$PORT" "$SRV" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }
B=http://127.0.0.1:$PORT

# 30-day windows at random days of the year, 50 a page
{
    printf 'math.randomseed(11)\n'
    printf 'local now = os.time()\n'
    printf 'request = function()\n'
    printf '  local e = now - math.random(0, 330) * 86400\n'
    printf '  local s = e - 30 * 86400\n'
    printf '  return wrk.format("GET", "/open311/v2/requests.json?start_date=" .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", s) .. "&end_date=" .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", e) .. "&page_size=50&page=" .. math.random(1, 5))\n'
    printf 'end\n'
} >"$TMP/open311.lua"
curl -fsS -o /dev/null "$B/open311/v2/requests.json?page_size=50" || die "no Open311 requests.json"
row_open311=$(wrk_row "Open311 requests.json, 50 a page, a 30-day window" / "$TMP/open311.lua")
row_map=$(wrk_row "public map list, Bắc Ninh's box, 100 a page" "/api/v1/public/feedback?bbox=20.9,105.9,21.6,106.8&limit=100")

# a ~1 MB photo: bench/images.c's 3000×2000 JPEG with an EXIF position
(cd "$ROOT" && gcc -O2 -Isrc -o "$TMP/images" bench/images.c src/platform/images.c src/lib/msg.c \
    src/lib/log.c src/lib/timeutil.c $(pkg-config --cflags --libs vips libexif libwebpmux) \
    -lmagic -lpthread -lm) || die "bench/images.c does not build"
"$TMP/images" --write "$TMP/photo.jpg" || die "no photo"
PHOTO_KB=$(( $(stat -c %s "$TMP/photo.jpg") / 1024 ))
node "$ROOT/bench/reporting.mjs" "$B" "$DURATION" "$TMP/photo.jpg" "$TMP/sent.json"
read -r N SECS ERRS UNIQ < <(node -e 'const j=require(process.argv[1]);console.log(j.n,j.secs,j.errors,j.unique)' "$TMP/sent.json")
[ "$N" = "$UNIQ" ] || die "reporting: $N reports but $UNIQ distinct codes"
[ "$ERRS" = 0 ] || die "reporting: $ERRS failed requests"
stop_pid "$SRV"
"$BIN" audit verify --db "$DB" >"$TMP/verify.log" || { cat "$TMP/verify.log" >&2; die "the audit chain does not verify"; }
RATE=$(awk -v n="$N" -v s="$SECS" 'BEGIN { printf "%.0f", n / s }')

{
    echo "| figure ($([ -n "$PG" ] && echo PostgreSQL || echo SQLite), $COUNT reports) | value | target |"
    echo "|---|---|---|"
    echo "| \`tinhso demo --reports $COUNT\` | $GEN s | < 300 s |"
    echo "$row_open311 ≥ 10,000 req/s |"
    echo "$row_map — |"
    echo "| a report with one ${PHOTO_KB} KB photo (16 clients, ${DURATION} s) | $RATE reports/s ($N, codes unique, chain verified) | ≥ 200 /s |"
} | tee "${OUT:-/dev/null}"
