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
# address (X-Forwarded-For from the trusted loopback) so the throttle does not
# count them together. Loopback only;
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
# post PATH JSON: print "status seconds" of one POST from address number N
# (the caller moves N: post runs in a subshell), so the throttle's
# per-address rules do not count the runs together
post() {
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
        N=$((N + 1))
        out=$(post /api/v1/auth/login "${body//@N@/$i}")
        [ "${out%% *}" = "$want" ] || die "$label: status ${out%% *}, expected $want: $(head -c 300 "$TMP/body")"
        echo "${out#* }" >>"$TMP/times"
    done
    echo "| $label | $RUNS | $(stats "$TMP/times") |" >>"$TABLE"
}

# totp SECRET [STEP_OFFSET]: the RFC 6238 code (SHA-1, 30 s, 6 digits) now
totp() {
    python3 -c 'import base64, hmac, hashlib, struct, sys, time
k = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1" "${2:-0}"
}

# The TOTP case: the citizen nguoidan1 opts in; each sign-in is the password
# step and then the code step (a recovery code: a TOTP code is taken once per
# 30 s step, and the runs are faster than that), both timed.
mfa_case() {
    local r cookie csrf secret codes i t1 t2 ch
    r=$(curl -s -c "$TMP/jar" -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.8.0.1' \
        -d "{\"username\":\"nguoidan1\",\"password\":\"$PW\"}" "http://127.0.0.1:$PORT/api/v1/auth/login")
    csrf=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$r")
    secret=$(curl -s -b "$TMP/jar" -X POST -H "X-CSRF-Token: $csrf" "http://127.0.0.1:$PORT/api/v1/me/mfa/totp" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])') || die "no TOTP secret"
    codes=$(curl -s -b "$TMP/jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
        -d "{\"code\":\"$(totp "$secret")\"}" "http://127.0.0.1:$PORT/api/v1/me/mfa/totp/confirm" |
        python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["recovery_codes"]))') || die "enrolment failed"
    : >"$TMP/times"
    i=0
    for code in $codes; do
        i=$((i + 1))
        [ "$i" -gt 9 ] && break
        N=$((N + 1))
        out=$(post /api/v1/auth/login "{\"username\":\"nguoidan1\",\"password\":\"$PW\"}")
        t1=${out#* }
        ch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["challenge"])' "$TMP/body") ||
            die "no challenge (sign-in $i): $(head -c 300 "$TMP/body"); $(grep -i throttle "$TMP/server.log" | tail -2)"
        N=$((N + 1))
        out=$(post /api/v1/auth/login/mfa "{\"challenge\":\"$ch\",\"recovery_code\":\"$code\"}")
        [ "${out%% *}" = 200 ] || die "second step: ${out%% *} $(head -c 300 "$TMP/body")"
        t2=${out#* }
        awk -v a="$t1" -v b="$t2" 'BEGIN { print a + b }' >>"$TMP/times"
    done
    echo "| password + second factor (nguoidan1, both steps) | $(wc -l <"$TMP/times") | $(stats "$TMP/times") |" >>"$TABLE"
}

run_case "right password (stp.canbo1)" 200 "{\"username\":\"stp.canbo1\",\"password\":\"$PW\"}"
run_case "unknown username (a dummy verify)" 401 '{"username":"nobody.@N@","password":"not the password at all"}'
mfa_case

{
    echo "Sign-in latency: tinhso $("$BIN" version | awk '{print $2}'), 2 worker threads, $DB, one" \
        "request at a time, $(date -u +%FT%TZ)."
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$TABLE"
} | tee ${OUT:+"$OUT"}
