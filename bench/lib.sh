# bench/lib.sh — what every benchmark script needs, sourced after `set -euo pipefail`:
#
#   bench_init NAME      messages prefixed "NAME: ", a temporary directory $TMP, and on
#                        exit (or Ctrl-C) every server started with bench_track stopped,
#                        the bench_on_exit commands run and $TMP removed
#   say TEXT / die TEXT  a message on stderr / that message and exit 1
#   need TOOL...         die naming the first tool that is not installed
#   free_port            a free 127.0.0.1 TCP port (20000 upward from a random start)
#   bench_track PID      stop PID on exit
#   bench_on_exit CMD    run CMD (a string, eval'ed) on exit, before the servers stop
#   stop_pid PID         TERM, up to 5 s, then KILL; only our own children
#   wait_ready PORT PID  /readyz answers 200 within 15 s (false when PID exits first)
#   bench_options SPEC "$@"   the script's options: SPEC is words "name=VAR" (--name VALUE
#                        sets VAR) and "name=VAR:VALUE" (the flag --name sets VAR to VALUE);
#                        -h/--help prints the script's header comment; anything else exits 2
#   wrk_row LABEL PATH [LUA]  a Markdown row "| LABEL | req/s | p99 |" from wrk -t2 -c64
#                        for $DURATION s on 127.0.0.1:$PORT PATH (LUA: a wrk script)
#   to_ms V [DECIMALS]   a wrk latency ("812.00us", "3.21ms", "1.02s", "1.5m") in ms (2 decimals)

BENCH_NAME=$(basename "$0" .sh)
BENCH_PIDS=()
BENCH_EXIT=()

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() {
    say "$*"
    exit 1
}

need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || die "$t is not installed (scripts/deps.sh --bench)"
    done
}

stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_track() { BENCH_PIDS+=("$1"); }
bench_on_exit() { BENCH_EXIT+=("$1"); }

bench_cleanup() {
    local rc=$? c p
    trap - EXIT INT TERM
    for c in "${BENCH_EXIT[@]}"; do eval "$c" || true; done
    for p in "${BENCH_PIDS[@]}"; do stop_pid "$p"; done
    rm -rf -- "$TMP"
    exit $rc
}

bench_init() {
    BENCH_NAME=$1
    TMP=$(mktemp -d "/tmp/tinhso-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

free_port() {
    local p
    for p in $(seq $((20000 + RANDOM % 20000)) 1 65000); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no free port"
}

wait_ready() {
    local port=$1 pid=$2 i
    for i in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || return 1
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}

to_ms() {
    awk -v v="$1" -v d="${2:-2}" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.*f", d, n }'
}

bench_options() {
    local spec=$1 pair name var found
    shift
    while [ $# -gt 0 ]; do
        case $1 in -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d'
            exit 0
            ;;
        esac
        found=
        for pair in $spec; do
            name=${pair%%=*} var=${pair#*=}
            [ "--$name" = "$1" ] || continue
            found=1
            if [ "$var" != "${var%%:*}" ]; then
                printf -v "${var%%:*}" '%s' "${var#*:}"
            else
                [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }
                printf -v "$var" '%s' "$2"
                shift
            fi
            break
        done
        [ -n "$found" ] || { say "unknown option $1 (try --help)"; exit 2; }
        shift
    done
}

wrk_row() {
    local out
    out=$(wrk -t2 -c64 -d"${DURATION}s" --latency ${3:+-s "$3"} "http://127.0.0.1:$PORT$2")
    printf '| %s | %s | %s |\n' "$1" "$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")" \
        "$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") ms"
}
