#!/usr/bin/env bash
# bench/signin.sh — how long a correct sign-in takes, as a person waits for it:
# one request after the other (no load), the time curl measures from connect to
# the last byte. Prints a Markdown table (median, p95, max).
#
#   bash bench/signin.sh [--bin PATH] [--runs N] [--db URL] [--out FILE]
#
#   --bin PATH   tinhso binary (default: build/tinhso)
#   --runs N     sign-ins per case (default 30)
#   --db URL     a database made by `tinhso demo` (default: a fresh SQLite demo database)
#   --out FILE   also write the table to FILE
#
# Cases: the demo officer stp.canbo1 with the right password (one Argon2id verify);
# an unknown username (a dummy verify, so the time does not tell); and, when the
# build has a second factor, the demo administrator enrolled in TOTP signing in with
# the password and a fresh code (both steps, summed). Each sign-in comes from its own
# 127.0.0.x address so the throttle does not count them together. Loopback only;
# everything it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/bench/lib.sh"
BIN=$ROOT/build/tinhso RUNS=30 DB= OUT=
bench_options "bin=BIN runs=RUNS db=DB out=OUT" "$@"
bench_init signin
need curl python3
[ -x "$BIN" ] || die "no tinhso binary at $BIN"

if [ -z "$DB" ]; then
    DB=sqlite:$TMP/demo.db
    "$BIN" demo --db "$DB" >/dev/null || die "tinhso demo failed"
fi
echo '{"trusted_proxies": ["127.0.0.1"], "access_log": false}' >"$TMP/conf.json"
PORT=$(free_port)
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --threads 2 --config "$TMP/conf.json" \
    >"$TMP/server.log" 2>&1 &
SRV=$!
bench_track "$SRV"
wait_ready "$PORT" "$SRV" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }

PW=TinhSo@2025demo
N=0
# post PATH JSON: print "status seconds" of one POST from a fresh 127.0.0.x address
post() {
    N=$((N + 1))
    curl -s -o "$TMP/body" -w '%{http_code} %{time_total}\n' --max-time 10 \
        -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.9.$((N / 250)).$((N % 250 + 1))" \
        -d "$2" "http://127.0.0.1:$PORT$1"
}

# stats FILE: "median p95 max" in ms of the seconds in FILE
stats() {
    sort -n "$1" | awk '{ a[NR] = $1 * 1000 } END {
        p = int(NR * 0.95 + 0.999); if (p < 1) p = 1;
        printf "%.0f ms | %.0f ms | %.0f ms", a[int((NR + 1) / 2)], a[p], a[NR] }'
}

TABLE=$TMP/table.md
{
    echo "| case | sign-ins | median | p95 | max |"
    echo "|---|---:|---:|---:|---:|"
} >"$TABLE"

run_case() { # run_case LABEL WANT_STATUS JSON   (@N@ in JSON: the run's number)
    local label=$1 want=$2 body=$3 i out
    : >"$TMP/times"
    for i in $(seq "$RUNS"); do
        out=$(post /api/v1/auth/login "${body//@N@/$i}")
        [ "${out%% *}" = "$want" ] || die "$label: status ${out%% *}, expected $want: $(head -c 300 "$TMP/body")"
        echo "${out#* }" >>"$TMP/times"
    done
    echo "| $label | $RUNS | $(stats "$TMP/times") |" >>"$TABLE"
}

run_case "right password (stp.canbo1)" 200 "{\"username\":\"stp.canbo1\",\"password\":\"$PW\"}"
run_case "unknown username (a dummy verify)" 401 '{"username":"nobody.@N@","password":"not the password at all"}'

{
    echo "Sign-in latency: tinhso $("$BIN" version | awk '{print $2}'), 2 worker threads, $DB, one" \
        "request at a time, $(date -u +%FT%TZ)."
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$TABLE"
} | tee ${OUT:+"$OUT"}
