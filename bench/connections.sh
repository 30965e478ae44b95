#!/usr/bin/env bash
# bench/connections.sh — the connection ladder: how tinhso behaves from a few
# keep-alive connections to twice its connection cap. Prints a Markdown table.
#
#   bash bench/connections.sh [options]
#
#   --bin PATH        tinhso binary (default: build Release into bench/build-conns/)
#   --duration S      seconds per step (default 10)
#   --steps "N ..."   connection counts (default "64 1000 5000 10000"; 2x the cap is added)
#   --server-nofile N the server's file limit (soft = hard = N, default 4096): its
#                     default cap is derived from it, so 2x the cap stays within what
#                     one wrk on loopback can open
#   --threads N       server worker threads (default 2)
#   --wrk-threads N   wrk threads (default 2)
#   --out FILE        also write the table to FILE
#
# Each step runs wrk against GET /api/v1/units/24 on the demo database (SQLite,
# made with `tinhso demo` as bench/run.sh does) with that many connections, and
# meanwhile asks /healthz three times on new connections from 127.0.0.2 (curl,
# 2 s limit): the slowest answer is the "healthz" column. The server trusts
# 127.0.0.1 as a proxy (as behind nginx), so the per-address limit does not
# apply to wrk. wrk's own file limit is raised to the hard limit.
# Everything it starts is stopped on exit; loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BIN= DURATION=10 STEPS="64 1000 5000 10000" NOFILE=4096 SRV_T=2 WRK_T=2 OUT=
. "$ROOT/bench/lib.sh"
bench_options "bin=BIN duration=DURATION steps=STEPS server-nofile=NOFILE threads=SRV_T
    wrk-threads=WRK_T out=OUT" "$@"

bench_init connections
need wrk curl cmake

if [ -z "$BIN" ]; then
    B=$ROOT/bench/build-conns
    say "building tinhso (Release) into $B"
    cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DTINHSO_WEB=OFF >"$TMP/cmake.log" 2>&1 ||
        { cat "$TMP/cmake.log" >&2; die "cmake failed"; }
    cmake --build "$B" -j2 --target tinhso >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; die "build failed"; }
    BIN=$B/tinhso
fi
[ -x "$BIN" ] || die "no tinhso binary at $BIN"

DB=sqlite:$TMP/demo.db
"$BIN" demo --db "$DB" >/dev/null || die "tinhso demo failed"
echo '{"trusted_proxies": ["127.0.0.1"], "access_log": false}' >"$TMP/conf.json"

PORT=$(free_port)
# the server's own file limit: soft and hard, so the derived cap is predictable
(ulimit -n "$NOFILE" && exec "$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --threads "$SRV_T" \
    --config "$TMP/conf.json" --no-migrate) >"$TMP/server.log" 2>&1 &
SRV_PID=$!
bench_track "$SRV_PID"
wait_ready "$PORT" "$SRV_PID" || { cat "$TMP/server.log" >&2; die "the server did not become ready"; }
CAP=$(sed -n 's/.*connections: cap \([0-9]*\).*/\1/p' "$TMP/server.log" | head -1)
# a server from before the cap followed the file limit logs none: its cap
# was the fixed max_connections default, 1024
[ -n "$CAP" ] || { CAP=1024; say "no cap in the server log: an older server, cap $CAP assumed"; }
say "server pid $SRV_PID on port $PORT: $(grep -m1 'connections: cap' "$TMP/server.log" | sed 's/^.*info //')"

# wrk may need more descriptors than the shell has
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
STEPS=$(printf '%s\n' $STEPS $((2 * CAP)) | sort -n | uniq | tr '\n' ' ')


healthz_probe() { # the slowest of three /healthz on new connections from 127.0.0.2
    local worst=0 t i
    sleep $((DURATION / 3 > 0 ? DURATION / 3 : 1))
    for i in 1 2 3; do
        t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --interface 127.0.0.2 --max-time 2 \
            "http://127.0.0.1:$PORT/healthz" || true)
        case $t in
        200\ *) t=${t#200 }; worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a ? b : a) }') ;;
        *) worst=timeout; break ;;
        esac
        sleep 0.5
    done
    [ "$worst" = timeout ] && echo "no answer (${t%% *})" || awk -v s="$worst" 'BEGIN { printf "%.0f ms", s * 1000 }'
}

TABLE=$TMP/table.md
{
    echo "| connections | req/s | p99 | socket errors (connect/read/write/timeout) | non-2xx | /healthz meanwhile |"
    echo "|---:|---:|---:|---|---:|---|"
} >"$TABLE"
for n in $STEPS; do
    say "step: $n connections for ${DURATION}s"
    healthz_probe >"$TMP/hz" &
    hz_pid=$!
    out=$(timeout $((DURATION + 60)) wrk -t"$WRK_T" -c"$n" -d"${DURATION}s" --timeout 5s --latency \
        "http://127.0.0.1:$PORT/api/v1/units/24" 2>&1) || say "wrk exited with an error at $n connections"
    wait "$hz_pid" || true
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errs=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \/ \2 \/ \3 \/ \4/p' <<<"$out")
    non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' <<<"$out")
    label=$n
    [ "$n" -eq $((2 * CAP)) ] && label="$n (2× cap)"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "${rps:-0}" \
        "$([ -n "$p99" ] && echo "$(to_ms "$p99" 1) ms" || echo —)" "${errs:-0 / 0 / 0 / 0}" \
        "${non2xx:-0}" "$(cat "$TMP/hz")" >>"$TABLE"
    kill -0 "$SRV_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "the server died at $n connections"; }
    sleep 2 # let closed connections drain before the next step
done

{
    echo "Connection ladder: tinhso $("$BIN" version | awk '{print $2}'), $SRV_T worker threads, SQLite demo" \
        "database, GET /api/v1/units/24, wrk -t$WRK_T, ${DURATION} s per step, $(date -u +%FT%TZ)."
    echo "Server file limit $NOFILE: cap $CAP (derived), $(grep -m1 -o 'a 503 for connections over it up to [0-9]*' "$TMP/server.log")."
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$TABLE"
} | tee ${OUT:+"$OUT"}
