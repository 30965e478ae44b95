#!/usr/bin/env bash
# bench/dossiers.sh — the dossier figures of issue 10 on SQLite (or, with
# --pg URL, on that PostgreSQL database, which must be empty), server
# --threads 2:
#   - `tinhso demo --dossiers N`: a year of history generated (wall time);
#   - the public lookup by code over those N dossiers (wrk, random existing
#     codes from a Lua script);
#   - a year's statistics form for the province, and the Decision 766
#     scorecard for every agency (median of 5 requests);
#   - filing online with one 200 KB attachment (draft, upload, submit: three
#     requests a dossier) by 16 concurrent clients for DURATION seconds,
#     then every code checked unique and the audit chain verified.
# Prints a Markdown table.
#
#   bash bench/dossiers.sh [--bin PATH] [--count N] [--duration S] [--pg URL] [--out FILE]
#
#   --bin PATH     tinhso binary (default: build/tinhso)
#   --count N      dossiers generated (default 1000000)
#   --duration S   seconds of each wrk run and of the filing run (default 10)
#   --pg URL       run on this PostgreSQL database instead of SQLite
#   --out FILE     also write the table to FILE
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/bench/lib.sh"
BIN=$ROOT/build/tinhso COUNT=1000000 DURATION=10 PG= OUT=
bench_options "bin=BIN count=COUNT duration=DURATION pg=PG out=OUT" "$@"
bench_init dossiers
need wrk curl node sqlite3
[ -x "$BIN" ] || die "no tinhso binary at $BIN"
DB=${PG:-sqlite:$TMP/demo.db}

t0=$(date +%s.%N)
"$BIN" demo --db "$DB" --dossiers "$COUNT" >"$TMP/demo.log" || { cat "$TMP/demo.log" >&2; die "tinhso demo failed"; }
t1=$(date +%s.%N)
GEN=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
say "generated $COUNT dossiers in $GEN s"

PORT=$(free_port)
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --threads 2 --no-access-log >"$TMP/server.log" 2>&1 &
SRV=$!
bench_track "$SRV"
wait_ready "$PORT" "$SRV" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }
B=http://127.0.0.1:$PORT

# 20,000 existing codes, the lookup's Lua script picks among them
Q="SELECT code FROM dossiers WHERE code IS NOT NULL ORDER BY random() LIMIT 20000"
if [ -n "$PG" ]; then psql -qAtX "$PG" -c "$Q"; else sqlite3 "$TMP/demo.db" "$Q"; fi >"$TMP/codes.txt"
{
    printf 'local codes = {'
    sed 's/.*/"&",/' "$TMP/codes.txt" | tr -d '\n'
    printf '}\nmath.randomseed(7)\n'
    printf 'request = function() return wrk.format("GET", "/api/v1/public/dossiers/" .. codes[math.random(#codes)]) end\n'
} >"$TMP/codes.lua"
NCODES=$(wc -l <"$TMP/codes.txt")

row_lookup=$(wrk_row "public lookup by code (random of $NCODES codes)" / "$TMP/codes.lua")

median() { # median PATH: of 5 requests' total time, in ms
    local i
    for i in 1 2 3 4 5 6; do curl -fsS -o /dev/null -w '%{time_total}\n' "$B$1"; done | tail -5 | sort -n |
        awk 'NR == 3 { printf "%.0f", $1 * 1000 }'
}
FROM=$(date -u -d '-365 days' +%Y-%m-%d)
TO=$(date -u -d '+7 hours' +%Y-%m-%d)
ST=$(median "/api/v1/stats/dossiers?from=$FROM&to=$TO")
SI=$(median "/api/v1/service-index?from=$FROM&to=$TO")

# filing online: 16 clients, each signed in as its own citizen
node "$ROOT/bench/filing.mjs" "$B" "$DURATION" "$TMP/filed.json"
read -r N SECS ERRS UNIQ < <(node -e 'const j=require(process.argv[1]);console.log(j.n,j.secs,j.errors,j.unique)' "$TMP/filed.json")
[ "$N" = "$UNIQ" ] || die "filing: $N dossiers but $UNIQ distinct codes"
[ "$ERRS" = 0 ] || die "filing: $ERRS failed requests"
stop_pid "$SRV"
"$BIN" audit verify --db "$DB" >"$TMP/verify.log" || { cat "$TMP/verify.log" >&2; die "the audit chain does not verify"; }
RATE=$(awk -v n="$N" -v s="$SECS" 'BEGIN { printf "%.0f", n / s }')

{
    echo "| figure ($([ -n "$PG" ] && echo PostgreSQL || echo SQLite), $COUNT dossiers) | value | target |"
    echo "|---|---|---|"
    echo "| \`tinhso demo --dossiers $COUNT\` | $GEN s | < 300 s |"
    echo "${row_lookup% |}" | awk -F' \\| ' '{ printf "%s | %s req/s, p99 %s | ≥ 30,000 req/s, p99 < 10 ms |\n", $1, $2, $3 }'
    echo "| a year's statistics form, province | $ST ms | < 1,000 ms |"
    echo "| the Decision 766 scorecard, every agency | $SI ms | < 1,000 ms |"
    echo "| filing online with a 200 KB attachment (16 clients) | $RATE dossiers/s ($N in ${SECS} s, codes unique, chain verified) | ≥ 500 /s |"
} | tee ${OUT:+"$OUT"}
