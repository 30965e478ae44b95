#!/usr/bin/env bash
# bench/ab.sh — two tinhso binaries side by side, in one run: each serves its
# own demo database (SQLite, made by that binary's `tinhso demo`) and wrk
# alternates between them, round after round, so both see the same machine.
# For "before and after" figures of a change; prints a Markdown table with
# the median req/s, p99 and server CPU µs per request of each.
#
#   bash bench/ab.sh [--rounds N] [--duration S] A_BIN B_BIN
#
#   --rounds N     wrk runs per binary and endpoint (default 5), interleaved A, B, A, B, ...
#   --duration S   seconds per wrk run (default 8)
#
# Endpoints: /api/v1/units/24 (the cached unit read), /api/v1/me with a demo
# session cookie, /api/v1/units?q=bac%20ninh (search). wrk -t2 -c64, both
# servers --threads 2 --no-access-log, loopback only; everything it starts is
# stopped on exit.
set -euo pipefail

ROUNDS=5 DURATION=8
while [ $# -gt 2 ]; do
    case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    *) echo "ab.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ $# -eq 2 ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
BINS=("$1" "$2")
. "$(dirname "$0")/lib.sh"
bench_init ab
need wrk curl

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

PIDS=() PORTS=() COOKIES=()
for i in 0 1; do
    db=$TMP/demo$i.db
    "${BINS[$i]}" demo --db "sqlite:$db" >/dev/null
    port=$(free_port)
    "${BINS[$i]}" serve --db "sqlite:$db" --listen "127.0.0.1:$port" --threads 2 --no-access-log \
        >"$TMP/server$i.log" 2>&1 &
    PIDS+=($!)
    bench_track $!
    wait_ready "$port" "${PIDS[$i]}" || { cat "$TMP/server$i.log" >&2; die "${BINS[$i]} did not become ready"; }
    PORTS+=("$port")
    COOKIES+=("$(curl -s --max-time 10 -c - -o /dev/null -H 'Content-Type: application/json' \
        -d '{"username":"stp.canbo1","password":"TinhSo@2025demo"}' \
        "http://127.0.0.1:$port/api/v1/auth/login" | awk -F'\t' '$6 == "tinhso_session" {print $6 "=" $7}')")
    [ -n "${COOKIES[$i]}" ] || die "sign-in on ${BINS[$i]} failed"
done

EPS=("/api/v1/units/24" "/api/v1/me" "/api/v1/units?q=bac%20ninh")
# one wrk run: prints "req/s p99_ms cpu_us_per_req"
run() { # run BIN_INDEX ENDPOINT
    local i=$1 ep=$2 hdr=() t0 t1 out
    [ "$ep" = /api/v1/me ] && hdr=(-H "Cookie: ${COOKIES[$i]}")
    t0=$(cpu_ticks "${PIDS[$i]}")
    out=$(wrk -t2 -c64 -d"${DURATION}s" --latency "${hdr[@]}" "http://127.0.0.1:${PORTS[$i]}$ep")
    t1=$(cpu_ticks "${PIDS[$i]}")
    awk -v dt=$((t1 - t0)) -v hz="$CLK_TCK" '
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { v = $2; n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; p99 = n }
        /requests in/ { reqs = $1 }
        END { printf "%.0f %.2f %.1f\n", rps, p99, reqs ? dt / hz * 1e6 / reqs : 0 }' <<<"$out"
}

for ep in "${EPS[@]}"; do
    for r in $(seq "$ROUNDS"); do
        for i in 0 1; do run "$i" "$ep" >>"$TMP/res.$i.$(echo "$ep" | md5sum | cut -c1-8)"; done
    done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "| endpoint | binary | req/s (median of $ROUNDS) | req/s range | p99 ms (median) | server CPU µs/req (median) |"
echo "|---|---|---:|---:|---:|---:|"
for ep in "${EPS[@]}"; do
    for i in 0 1; do
        f=$TMP/res.$i.$(echo "$ep" | md5sum | cut -c1-8)
        rps=$(cut -d' ' -f1 "$f" | median)
        lo=$(cut -d' ' -f1 "$f" | sort -n | head -1)
        hi=$(cut -d' ' -f1 "$f" | sort -n | tail -1)
        p99=$(cut -d' ' -f2 "$f" | median)
        cpu=$(cut -d' ' -f3 "$f" | median)
        echo "| \`$ep\` | ${BINS[$i]} | $rps | $lo–$hi | $p99 | $cpu |"
    done
done
