#!/usr/bin/env bash
# bench/run.sh — tinhso's benchmarks; prints a Markdown report on stdout.
#
#   bash bench/run.sh [options]
#
#   --pg            require the PostgreSQL target (fail when scripts/pg-server.sh cannot start)
#   --no-pg         skip PostgreSQL (default: run it when scripts/pg-server.sh works)
#   --duration S    seconds per wrk run (default 10)
#   --runs N        wrk runs per row, interleaved between targets; the row shows the run with
#                   the median req/s and the min-max range (default 1)
#   --connections N wrk connections (default 64)
#   --wrk-threads N wrk threads (default 2)
#   --threads N     server worker threads, tinhso and bare alike (default 2)
#   --startup-runs N  start-up timing repetitions (default 20)
#   --sweep         also: tinhso --threads 1/2/3 x wrk -t1/-t2, and bare with tinhso's headers
#   --me            only the authenticated GET /api/v1/me target (tinhso/SQLite); the default
#                   run includes it too (and on PostgreSQL). A demo officer signs in through the
#                   API (curl keeps the cookie); wrk sends that Cookie header on every request.
#   --perf          also: perf profiles of tinhso and bare (SQLite) under wrk on /api/v1/units/24
#   --bin PATH      use this tinhso binary instead of building one
#   --out FILE      also write the report to FILE
#
# Builds tinhso (CMake, RelWithDebInfo = -O2 -g) into bench/build/ and bench/bare with
# gcc -O2, creates the demo database in a fresh temp dir, starts each target on a free
# 127.0.0.1 port and drives it with wrk. Everything it starts (servers, PostgreSQL, perf)
# is stopped on exit, error or Ctrl-C; every step has a time bound. Loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BENCH=$ROOT/bench
BUILD=${BENCH_BUILD_DIR:-$BENCH/build}

PG_MODE=auto DURATION=10 RUNS=1 CONNS=64 WRK_T=2 SRV_T=2 STARTUP_RUNS=20 SWEEP=0 PERF=0
BIN= OUT= ME_ONLY=0
. "$BENCH/lib.sh"
bench_options "pg=PG_MODE:yes no-pg=PG_MODE:no duration=DURATION runs=RUNS connections=CONNS
    wrk-threads=WRK_T threads=SRV_T startup-runs=STARTUP_RUNS sweep=SWEEP:1 perf=PERF:1
    me=ME_ONLY:1 bin=BIN out=OUT" "$@"

bench_init bench
need wrk curl gcc cmake
PG_DIR=      # set once PostgreSQL runs
PERF_PID=
bench_on_exit '[ -z "$PERF_PID" ] || stop_pid "$PERF_PID"'
bench_on_exit '[ -z "$PG_DIR" ] || timeout 90 bash "$ROOT/scripts/pg-server.sh" stop "$PG_DIR" >/dev/null 2>&1 || say "could not stop PostgreSQL in $PG_DIR"'

# ---------------------------------------------------------------- build
if [ -z "$BIN" ]; then
    say "building tinhso (RelWithDebInfo) into $BUILD"
    timeout 600 cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/cmake.log" 2>&1 ||
        { cat "$TMP/cmake.log" >&2; die "cmake configure failed"; }
    # the tree may be mid-edit by someone else: one retry after 30 s
    if ! timeout 900 cmake --build "$BUILD" -j"$(nproc)" --target tinhso >"$TMP/build.log" 2>&1; then
        say "build failed; retrying in 30 s (a source file may be mid-edit)"
        sleep 30
        timeout 900 cmake --build "$BUILD" -j"$(nproc)" --target tinhso >"$TMP/build.log" 2>&1 ||
            { tail -30 "$TMP/build.log" >&2; die "build failed"; }
    fi
    BIN=$BUILD/tinhso
fi
[ -x "$BIN" ] || die "no tinhso binary at $BIN"
mkdir -p "$BUILD"
gcc -O2 -g -Wall -o "$BUILD/bare" "$BENCH/bare/bare.c" -lmicrohttpd -lsqlite3 -lpthread ||
    die "cannot build bench/bare (libmicrohttpd-dev, libsqlite3-dev)"
gcc -O2 -Wall -o "$BUILD/startup" "$BENCH/startup.c" || die "cannot build bench/startup.c"

# ---------------------------------------------------------------- helpers
START_PID= START_PORT=
start_server() { # start_server LABEL CMD...   (the command gets PORT substituted for @PORT@)
    local label=$1; shift
    START_PORT=$(free_port)
    local args=() a
    for a in "$@"; do args+=("${a//@PORT@/$START_PORT}"); done
    "${args[@]}" >"$TMP/$label.log" 2>&1 &
    START_PID=$!
    bench_track "$START_PID"
    wait_ready "$START_PORT" "$START_PID" || { cat "$TMP/$label.log" >&2; die "$label did not become ready"; }
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime+stime, all threads
CLK_TCK=$(getconf CLK_TCK)


busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; } # user+nice+system+irq+softirq+steal
NCPU=$(nproc)

# CPU ticks of the PostgreSQL server (postmaster and all its children), 0 when none runs
PG_POSTMASTER=
pg_ticks() {
    [ -n "$PG_POSTMASTER" ] || { echo 0; return; }
    local p t=0 x
    for p in "$PG_POSTMASTER" $(pgrep -P "$PG_POSTMASTER" 2>/dev/null); do
        x=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && t=$((t + x))
    done
    echo "$t"
}

# one_wrk PID URL WRK_THREADS
#   -> "rps p50 p99 errors server_cpu_us/req other_cpu_pct wrk_cpu_us/req pg_cpu_us/req"
# other_cpu_pct: share of the machine's CPU used during the run by anything but this server,
# wrk and PostgreSQL (other programs, hypervisor steal when the kernel sees it); near 0 on a
# quiet machine. wrk's own CPU needs GNU time (/usr/bin/time); "?" without it.
one_wrk() {
    local pid=$1 url=$2 wt=$3 c0 c1 b0 b1 g0 g1 t0 t1 out wcpu=
    rm -f "$TMP/wrk.time"
    b0=$(busy_ticks); c0=$(cpu_ticks "$pid"); g0=$(pg_ticks); t0=$(date +%s%N)
    if [ -x /usr/bin/time ]; then
        out=$(/usr/bin/time -f '%U %S' -o "$TMP/wrk.time" timeout $((DURATION + 30)) \
            wrk -t"$wt" -c"$CONNS" -d"${DURATION}s" ${WRK_HDR[@]+"${WRK_HDR[@]}"} --latency "$url" 2>&1) || { say "wrk failed on $url: $out"; return 1; }
        wcpu=$(awk 'NF == 2 {print $1 + $2}' "$TMP/wrk.time" | tail -1)
    else
        out=$(timeout $((DURATION + 30)) wrk -t"$wt" -c"$CONNS" -d"${DURATION}s" ${WRK_HDR[@]+"${WRK_HDR[@]}"} --latency "$url" 2>&1) ||
            { say "wrk failed on $url: $out"; return 1; }
    fi
    b1=$(busy_ticks); c1=$(cpu_ticks "$pid"); g1=$(pg_ticks); t1=$(date +%s%N)
    local rps p50 p99 non2xx sockerr reqs
    rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$out")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
    local err=$((${non2xx:-0} + ${sockerr:-0}))
    local per='BEGIN { printf "%.1f", n ? s * 1e6 / n : 0 }'
    local cpu_us pg_us wrk_us=? other=?
    cpu_us=$(awk -v s="$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN {print t / hz}')" -v n="$reqs" "$per")
    pg_us=$(awk -v s="$(awk -v t=$((g1 - g0)) -v hz="$CLK_TCK" 'BEGIN {print t / hz}')" -v n="$reqs" "$per")
    if [ -n "$wcpu" ]; then
        wrk_us=$(awk -v s="$wcpu" -v n="$reqs" "$per")
        other=$(awk -v b=$((b1 - b0)) -v s=$((c1 - c0 + g1 - g0)) -v hz="$CLK_TCK" -v w="$wcpu" -v ns=$((t1 - t0)) -v n="$NCPU" \
            'BEGIN { o = ((b - s) / hz - w) / (ns / 1e9 * n) * 100; if (o < 0) o = 0; printf "%.0f", o }')
    fi
    echo "$rps $p50 $p99 $err $cpu_us $other $wrk_us $pg_us"
}

PROVINCE=24
COMMUNE=07210   # Phường Bắc Giang, a commune (ward) of Bắc Ninh since 2025-07-01
EP_PROV="/api/v1/units/$PROVINCE"
EP_COMM="/api/v1/units/$COMMUNE"
EP_LIST="/api/v1/units?parent=$PROVINCE&limit=20"
EP_SEARCH="/api/v1/units?q=bac%20ninh"
EP_ME=/api/v1/me # authenticated: session cookie of a demo officer
WRK_HDR=()       # extra wrk arguments (the /me target's Cookie header)
PROFILE=         # perf summaries (--perf)

me_cookie() { # me_cookie PORT -> "tinhso_session=…" of demo officer stp.canbo1, signed in through the API
    curl -s --max-time 10 -c - -o /dev/null -H 'Content-Type: application/json' \
        -d '{"username":"stp.canbo1","password":"TinhSo@2025demo"}' "http://127.0.0.1:$1/api/v1/auth/login" |
        awk -F'\t' '$6 == "tinhso_session" {print $6 "=" $7}'
}


# Results: one file per (target, endpoint), one line per run; ORDER keeps first-seen order.
ORDER=()
record() { # record TARGET ENDPOINT RESULT
    local f="$TMP/res.$(printf '%s|%s' "$1" "$2" | md5sum | cut -c1-12)"
    [ -f "$f" ] || ORDER+=("$1|$2|$f")
    echo "$3" >>"$f"
}
median_line() { sort -n -k1,1 "$1" | sed -n "$((($(wc -l <"$1") + 1) / 2))p"; }
result_of() { # result_of TARGET ENDPOINT -> median line or empty
    local f="$TMP/res.$(printf '%s|%s' "$1" "$2" | md5sum | cut -c1-12)"
    [ -f "$f" ] && median_line "$f" || true
}

check200() { # check200 LABEL PORT ENDPOINT
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$2$3")" = 200 ] ||
        die "$1: $3 did not answer 200"
}

# bench LABEL PID PORT ENDPOINT [WRK_THREADS]: one wrk run, recorded
bench() {
    say "$1: wrk -t${5:-$WRK_T} -c$CONNS -d${DURATION}s $4"
    local r
    r=$(one_wrk "$2" "http://127.0.0.1:$3$4" "${5:-$WRK_T}") || die "$1: wrk failed on $4"
    record "$1" "$4" "$r"
}

# bench_me LABEL PID PORT: sign in, then one wrk run on /api/v1/me with the cookie
bench_me() {
    local ck
    ck=$(me_cookie "$3")
    [ -n "$ck" ] || die "$1: demo sign-in for $EP_ME failed"
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Cookie: $ck" "http://127.0.0.1:$3$EP_ME")" = 200 ] ||
        die "$1: $EP_ME with the session cookie did not answer 200"
    WRK_HDR=(-H "Cookie: $ck")
    bench "$@" "$EP_ME"
    WRK_HDR=()
}

MEM=()      # "target|rss after start|rss after load|peak" (kB)
STARTUP=()  # "target|median|max|min"

startup_time() { # startup_time LABEL CMD... (@PORT@ substituted)
    local label=$1; shift
    local port=$(free_port) args=() a
    for a in "$@"; do args+=("${a//@PORT@/$port}"); done
    say "$label: start-up to ready, $STARTUP_RUNS runs"
    local r
    r=$(timeout $((STARTUP_RUNS * 20 + 30)) "$BUILD/startup" "$STARTUP_RUNS" "$port" -- "${args[@]}" 2>"$TMP/startup.log") ||
        { cat "$TMP/startup.log" >&2; die "$label: start-up timing failed"; }
    set -- $r
    STARTUP+=("$label|$1|$2|$3")
}

# ---------------------------------------------------------------- SQLite: tinhso and bare, interleaved
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD0" 'BEGIN {exit !(l > 0.5)}' &&
    say "warning: load average is $LOAD0 before the run: other work shares the CPU, figures will be low and noisy"
say "demo database in $TMP"
timeout 120 "$BIN" demo --db "sqlite:$TMP/t.db" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; die "demo failed"; }

T=tinhso/SQLite B=bare/SQLite N="tinhso/SQLite --no-cache"
if [ "$ME_ONLY" = 1 ]; then
    start_server tinhso-sqlite "$BIN" serve --db "sqlite:$TMP/t.db" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log
    T_PID=$START_PID T_PORT=$START_PORT
    sleep 1
    T_IDLE=$(rss_kb "$T_PID")
    for i in $(seq "$RUNS"); do bench_me "$T" "$T_PID" "$T_PORT"; done
    sleep 2
    MEM+=("$T|$T_IDLE|$(rss_kb "$T_PID")|$(hwm_kb "$T_PID")")
    stop_pid "$T_PID"
    PG_MODE=no SWEEP=0 PERF=0
else # the full run (up to the report)
start_server tinhso-sqlite "$BIN" serve --db "sqlite:$TMP/t.db" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log
T_PID=$START_PID T_PORT=$START_PORT
start_server bare "$BUILD/bare" "$TMP/t.db" @PORT@ "$SRV_T"
B_PID=$START_PID B_PORT=$START_PORT
# the same server reading the database on every request (decisions §14): same work as bare
start_server tinhso-nocache "$BIN" serve --db "sqlite:$TMP/t.db" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log --no-cache
N_PID=$START_PID N_PORT=$START_PORT
sleep 1
T_IDLE=$(rss_kb "$T_PID") B_IDLE=$(rss_kb "$B_PID")

for ep in "$EP_PROV" "$EP_COMM"; do
    check200 "$T" "$T_PORT" "$ep"
    check200 "$B" "$B_PORT" "$ep"
    check200 "$N" "$N_PORT" "$ep"
    # same body bytes from all three, or the comparison is not fair
    cmp -s <(curl -s --max-time 5 "http://127.0.0.1:$T_PORT$ep") <(curl -s --max-time 5 "http://127.0.0.1:$B_PORT$ep") ||
        say "warning: tinhso and bare bodies differ for $ep"
    cmp -s <(curl -s --max-time 5 "http://127.0.0.1:$N_PORT$ep") <(curl -s --max-time 5 "http://127.0.0.1:$B_PORT$ep") ||
        say "warning: tinhso --no-cache and bare bodies differ for $ep"
done
for ep in "$EP_LIST" "$EP_SEARCH"; do check200 "$T" "$T_PORT" "$ep"; done

for i in $(seq "$RUNS"); do
    for ep in "$EP_PROV" "$EP_COMM"; do
        bench "$T" "$T_PID" "$T_PORT" "$ep"
        bench "$N" "$N_PID" "$N_PORT" "$ep"
        bench "$B" "$B_PID" "$B_PORT" "$ep"
    done
    for ep in "$EP_LIST" "$EP_SEARCH"; do bench "$T" "$T_PID" "$T_PORT" "$ep"; done
    bench "$N" "$N_PID" "$N_PORT" "$EP_SEARCH" # the search through the index, every time
    bench_me "$T" "$T_PID" "$T_PORT"
done
sleep 2
MEM+=("$T|$T_IDLE|$(rss_kb "$T_PID")|$(hwm_kb "$T_PID")")
MEM+=("$B|$B_IDLE|$(rss_kb "$B_PID")|$(hwm_kb "$B_PID")")
stop_pid "$N_PID"

# ---------------------------------------------------------------- optional: settings sweep
if [ "$SWEEP" = 1 ]; then
    for st in 1 2 3; do
        start_server "tinhso-t$st" "$BIN" serve --db "sqlite:$TMP/t.db" --listen 127.0.0.1:@PORT@ --threads "$st" --no-access-log
        for wt in 1 2; do bench "tinhso/SQLite --threads $st, wrk -t$wt" "$START_PID" "$START_PORT" "$EP_PROV" "$wt"; done
        stop_pid "$START_PID"
    done
    start_server bare-h "$BUILD/bare" "$TMP/t.db" @PORT@ "$SRV_T" -H
    for ep in "$EP_PROV" "$EP_COMM"; do bench "bare/SQLite + tinhso's headers" "$START_PID" "$START_PORT" "$ep"; done
    stop_pid "$START_PID"
fi

# ---------------------------------------------------------------- optional: perf profile
PROFILE=
profile() { # profile LABEL PID PORT: perf record during one wrk run on EP_PROV, summarised
    local label=$1 pid=$2 port=$3 data="$TMP/perf.$2"
    say "perf: profiling $label under wrk on $EP_PROV"
    timeout $((DURATION + 30)) perf record -F 999 -g -p "$pid" -o "$data" -- sleep "$DURATION" >/dev/null 2>"$TMP/perf.log" &
    PERF_PID=$!
    sleep 0.3
    local r
    r=$(one_wrk "$pid" "http://127.0.0.1:$port$EP_PROV" "$WRK_T") || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=
    if [ ! -s "$data" ]; then
        say "perf recorded nothing (see perf_event_paranoid): $(tail -2 "$TMP/perf.log")"
        return 0
    fi
    PROFILE+=$(
        echo
        echo "### $label, \`$EP_PROV\` (this run: $(echo "$r" | awk '{print $1 " req/s, " $5 " µs CPU/req"}'))"
        echo
        echo '```'
        echo "# perf report --no-children --sort dso"
        timeout 120 perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null |
            grep -E '^ +[0-9.]+%' | head -12
        echo
        echo "# perf report --no-children --sort dso,symbol (top 25)"
        timeout 120 perf report -i "$data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
            grep -E '^ +[0-9.]+%' | head -25 | sed 's/ *- *- *$//'
        echo '```'
    )
}
if [ "$PERF" = 1 ]; then
    if command -v perf >/dev/null; then
        profile "$T" "$T_PID" "$T_PORT"
        profile "$B" "$B_PID" "$B_PORT"
    else
        say "perf is not installed; no profile"
    fi
fi

stop_pid "$T_PID"
stop_pid "$B_PID"

startup_time "$T" "$BIN" serve --db "sqlite:$TMP/t.db" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log
startup_time "$B" "$BUILD/bare" "$TMP/t.db" @PORT@ "$SRV_T"
fi # end of the full run's SQLite part (--me stops above)

# ---------------------------------------------------------------- PostgreSQL
PG_NOTE=
if [ "$PG_MODE" != no ]; then
    say "PostgreSQL: scripts/pg-server.sh start"
    # its own directory under /tmp: $TMP is private (0700) and the server may run as tinhso-pg
    PG_DIR=$(mktemp -d /tmp/tinhso-bench-pg.XXXXXX)
    if PG_URL=$(timeout 120 bash "$ROOT/scripts/pg-server.sh" start "$PG_DIR" 2>"$TMP/pg.log"); then
        P=tinhso/PostgreSQL
        PG_POSTMASTER=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
        timeout 120 "$BIN" demo --db "$PG_URL" >"$TMP/demo-pg.log" 2>&1 || { cat "$TMP/demo-pg.log" >&2; die "demo on PostgreSQL failed"; }
        start_server tinhso-pg "$BIN" serve --db "$PG_URL" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log
        P_PID=$START_PID P_PORT=$START_PORT
        sleep 1
        P_IDLE=$(rss_kb "$P_PID")
        for ep in "$EP_PROV" "$EP_COMM" "$EP_LIST" "$EP_SEARCH"; do check200 "$P" "$P_PORT" "$ep"; done
        PN="tinhso/PostgreSQL --no-cache"
        start_server tinhso-pg-nocache "$BIN" serve --db "$PG_URL" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log --no-cache
        PN_PID=$START_PID PN_PORT=$START_PORT
        for ep in "$EP_PROV" "$EP_COMM"; do check200 "$PN" "$PN_PORT" "$ep"; done
        for i in $(seq "$RUNS"); do
            for ep in "$EP_PROV" "$EP_COMM"; do
                bench "$P" "$P_PID" "$P_PORT" "$ep"
                bench "$PN" "$PN_PID" "$PN_PORT" "$ep"
            done
            for ep in "$EP_LIST" "$EP_SEARCH"; do bench "$P" "$P_PID" "$P_PORT" "$ep"; done
            bench "$PN" "$PN_PID" "$PN_PORT" "$EP_SEARCH"
            bench_me "$P" "$P_PID" "$P_PORT"
        done
        sleep 2
        MEM+=("$P|$P_IDLE|$(rss_kb "$P_PID")|$(hwm_kb "$P_PID")")
        stop_pid "$P_PID"
        stop_pid "$PN_PID"
        startup_time "$P" "$BIN" serve --db "$PG_URL" --listen 127.0.0.1:@PORT@ --threads "$SRV_T" --no-access-log
        PG_NOTE="PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}') from scripts/pg-server.sh (fsync=off, same machine: its backends share the 2 cores too)."
    elif [ "$PG_MODE" = yes ]; then
        cat "$TMP/pg.log" >&2
        die "--pg: scripts/pg-server.sh could not start PostgreSQL"
    else
        say "PostgreSQL not available (scripts/pg-server.sh failed); skipped"
        PG_NOTE="PostgreSQL skipped: scripts/pg-server.sh could not start a server."
    fi
fi

# ---------------------------------------------------------------- report
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
report() {
    echo "# tinhso benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- CPU: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'), $(nproc) cores; RAM $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- Kernel $(uname -r); Debian $(cat /etc/debian_version 2>/dev/null || echo '?'); $(gcc --version | head -1)"
    echo "- libmicrohttpd $(pkgver libmicrohttpd12), SQLite $(pkgver libsqlite3-0), libpq $(pkgver libpq5), jansson $(pkgver libjansson4); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}')"
    echo "- tinhso: $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+local changes')), --threads $SRV_T --no-access-log"
    echo "- wrk -t$WRK_T -c$CONNS -d${DURATION}s --latency, $RUNS run(s) per row, interleaved between targets; the run with the median req/s is shown, \"req/s range\" is min–max over the runs."
    echo "  wrk runs on the same $(nproc) cores as the server: every figure is client+server sharing the CPU."
    [ -n "$PG_NOTE" ] && echo "- $PG_NOTE"
    echo
    echo "## Throughput and latency"
    echo
    echo "| target | endpoint | req/s | req/s range | p50 ms | p99 ms | errors | server CPU µs/req | PostgreSQL CPU µs/req | wrk CPU µs/req | other CPU % |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    local e t ep f r range pgc
    for e in "${ORDER[@]}"; do
        IFS='|' read -r t ep f <<<"$e"
        r=($(median_line "$f"))
        range=$(sort -n -k1,1 "$f" | awk 'NR == 1 {lo = $1} {hi = $1} END {print (NR > 1 ? lo "–" hi : "—")}')
        pgc=${r[7]}; case $t in *PostgreSQL*) ;; *) pgc="—" ;; esac
        [ "$pgc" = 0.0 ] && pgc="0 (cache)"
        echo "| $t | \`$ep\` | ${r[0]} | $range | ${r[1]} | ${r[2]} | ${r[3]} | ${r[4]} | $pgc | ${r[6]} | ${r[5]} |"
    done
    local busy
    busy=$(cat "$TMP"/res.* 2>/dev/null | awk '$6 != "?" && $6 + 0 > 10 {n++} END {print n + 0}')
    if [ "$busy" -gt 0 ]; then
        echo
        echo "**Warning:** in $busy wrk run(s) other programs used more than 10 % of the machine's CPU"
        echo "(\"other CPU %\"): those req/s figures are low; CPU µs/req is less affected."
    fi
    echo
    echo "## tinhso vs bare libmicrohttpd + SQLite (same flags, threads, SQL and body bytes)"
    echo
    echo "| tinhso | endpoint | tinhso req/s | bare req/s | tinhso/bare throughput | tinhso/bare CPU per request |"
    echo "|---|---|---:|---:|---:|---:|"
    local tt
    for tt in "$T" "$N"; do
        for ep in "$EP_PROV" "$EP_COMM"; do
            local a=($(result_of "$tt" "$ep")) b=($(result_of "$B" "$ep"))
            [ ${#a[@]} -gt 0 ] && [ ${#b[@]} -gt 0 ] || continue
            echo "| $tt | \`$ep\` | ${a[0]} | ${b[0]} | $(awk -v x="${a[0]}" -v y="${b[0]}" 'BEGIN {printf "%.2f", y ? x / y : 0}') | $(awk -v x="${a[4]}" -v y="${b[4]}" 'BEGIN {printf "%.2f", y ? x / y : 0}') |"
        done
    done
    echo
    echo "## Memory (VmRSS)"
    echo
    echo "| target | idle after start | idle after the load | peak (VmHWM) |"
    echo "|---|---:|---:|---:|"
    local m a1 a2 a3
    for m in "${MEM[@]}"; do
        IFS='|' read -r t a1 a2 a3 <<<"$m"
        echo "| $t | $(awk -v k="$a1" 'BEGIN {printf "%.1f MB", k / 1024}') | $(awk -v k="$a2" 'BEGIN {printf "%.1f MB", k / 1024}') | $(awk -v k="$a3" 'BEGIN {printf "%.1f MB", k / 1024}') |"
    done
    echo
    echo "## Start-up to ready (spawn -> first 200 on /readyz, migrated database, $STARTUP_RUNS runs)"
    echo
    echo "| target | median | max | min |"
    echo "|---|---:|---:|---:|"
    for m in "${STARTUP[@]}"; do
        IFS='|' read -r t a1 a2 a3 <<<"$m"
        echo "| $t | $a1 ms | $a2 ms | $a3 ms |"
    done
    echo
    echo "## Targets"
    echo
    local verdict
    for ep in "$EP_PROV" "$EP_COMM"; do
        r=($(result_of "$T" "$ep"))
        [ ${#r[@]} -gt 0 ] || continue
        verdict=$(awk -v q="${r[0]}" -v p="${r[2]}" 'BEGIN {print (q >= 40000 && p < 10) ? "MET" : "NOT MET"}')
        echo "- $T \`$ep\`: ≥ 40,000 req/s with p99 < 10 ms — **$verdict** (${r[0]} req/s, p99 ${r[2]} ms)"
        r=($(result_of "$N" "$ep"))
        [ ${#r[@]} -gt 0 ] && echo "- $N \`$ep\` (reported: every request reads the database, as bare does): ${r[0]} req/s, p99 ${r[2]} ms"
        r=($(result_of "tinhso/PostgreSQL" "$ep"))
        [ ${#r[@]} -gt 0 ] && echo "- tinhso/PostgreSQL \`$ep\` (reported, no target): ${r[0]} req/s, p99 ${r[2]} ms"
        r=($(result_of "tinhso/PostgreSQL --no-cache" "$ep"))
        [ ${#r[@]} -gt 0 ] && echo "- tinhso/PostgreSQL --no-cache \`$ep\` (reported: every request reads PostgreSQL): ${r[0]} req/s, p99 ${r[2]} ms"
    done
    # unit search (docs/decisions.md §20): the figure with the answer kept, and read every time
    local sq st
    for st in "$T|20000" "$N|20000" "tinhso/PostgreSQL|5000" "tinhso/PostgreSQL --no-cache|5000"; do
        IFS='|' read -r t sq <<<"$st"
        r=($(result_of "$t" "$EP_SEARCH"))
        [ ${#r[@]} -gt 0 ] || continue
        verdict=$(awk -v q="${r[0]}" -v m="$sq" 'BEGIN {print (q >= m) ? "MET" : "NOT MET"}')
        echo "- $t \`$EP_SEARCH\`: ≥ $sq req/s — **$verdict** (${r[0]} req/s, p99 ${r[2]} ms)"
    done
    r=($(result_of "$T" "$EP_ME"))
    if [ ${#r[@]} -gt 0 ]; then
        verdict=$(awk -v q="${r[0]}" -v e="${r[3]}" 'BEGIN {print (q >= 30000 && e == 0) ? "MET" : "NOT MET"}')
        echo "- $T \`$EP_ME\` with a session cookie: ≥ 30,000 req/s on $(nproc) cores — **$verdict** (${r[0]} req/s, p99 ${r[2]} ms, ${r[3]} errors)"
    fi
    r=($(result_of "tinhso/PostgreSQL" "$EP_ME"))
    [ ${#r[@]} -gt 0 ] && echo "- tinhso/PostgreSQL \`$EP_ME\` with a session cookie (reported, no target): ${r[0]} req/s, p99 ${r[2]} ms"
    for m in "${MEM[@]}"; do
        IFS='|' read -r t a1 a2 a3 <<<"$m"
        case $t in tinhso*) ;; *) continue ;; esac
        verdict=$(awk -v a="$a1" -v b="$a2" 'BEGIN {print (a < 30 * 1024 && b < 30 * 1024) ? "MET" : "NOT MET"}')
        echo "- $t idle RSS < 30 MB — **$verdict** ($(awk -v k="$a1" 'BEGIN {printf "%.1f", k / 1024}') MB after start, $(awk -v k="$a2" 'BEGIN {printf "%.1f", k / 1024}') MB after the load)"
    done
    for m in "${STARTUP[@]}"; do
        IFS='|' read -r t a1 a2 a3 <<<"$m"
        case $t in tinhso*) ;; *) continue ;; esac
        verdict=$(awk -v a="$a2" 'BEGIN {print (a < 200) ? "MET" : "NOT MET"}')
        echo "- $t start-up to ready < 200 ms — **$verdict** (median $a1 ms, max $a2 ms)"
    done
    if [ -n "$PROFILE" ]; then
        echo
        echo "## Profiles (perf, share of the server process's samples)"
        echo "$PROFILE"
    fi
}
if [ -n "$OUT" ]; then report | tee "$OUT"; else report; fi
