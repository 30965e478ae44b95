#!/usr/bin/env bash
# test.sh — tinhso's whole test suite; what `make test` and CI (.ci/run) run.
#
#   1. scripts/deps.sh --test            missing Debian packages
#   2. a throw-away PostgreSQL 15        scripts/pg-server.sh, stopped on exit
#   3. sanitizer build in build-asan/    ASan + UBSan (+ LSan), Debug, fault injection
#   4. suites, each run even when an earlier one failed:
#        builds          Release with gcc and with clang (-DTINHSO_WEB=OFF) into
#                        build-release-gcc/ and build-release-clang/: -Werror clean, not run
#        unit            ctest (cmocka), with TINHSO_TEST_PG so the PostgreSQL tests run
#        api-sqlite      node --test tests/api/**/*.test.mjs against a SQLite database
#        api-postgresql  the same against the PostgreSQL server
#        e2e             npm test in tests/e2e/ (headless chromium) on SQLite
#        e2e-postgresql  the same against the PostgreSQL server
#        fuzz            every libFuzzer harness (tests/fuzz) for FUZZ_SECONDS (default 20)
#                        each, from its seed corpus: scripts/fuzz.sh
#   5. the last line: "N passed, M failed" (suites); exit status 1 when M > 0.
#
# In the API and e2e suites TINHSO_BIN is a wrapper that execs build-asan/tinhso with
# its stderr also copied to a file; after the suite those files are searched for
# sanitizer reports, which are printed and fail the suite: a server that leaks at
# exit or trips UBSan fails the run even when no test looked at its stderr. (ASan's
# log_path would not do: UBSan ignores it when built together with ASan.)
#
# Environment: TEST_TIMEOUT (seconds per suite, default 900), FUZZ_SECONDS (per harness, 20).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1

JOBS=$(nproc 2>/dev/null || echo 2)
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
BUILD=build-asan
BIN=$ROOT/$BUILD/tinhso
SUITES=(builds unit api-sqlite api-postgresql e2e e2e-postgresql fuzz)
declare -A RESULT=() NOTE=() TOOK=()
T0=$SECONDS

# a URL from the caller's environment must not leak into the SQLite runs
unset TINHSO_TEST_PG TINHSO_DB

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinhso-test.XXXXXX")
PGDIR=          # scripts/pg-server.sh directory, set once started
PG_URL=
CHILD_PGID=     # process group of the command running now (see limited)

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$CHILD_PGID" ]; then
        kill -TERM -- "-$CHILD_PGID" 2>/dev/null
        sleep 1
        kill -KILL -- "-$CHILD_PGID" 2>/dev/null
    fi
    stop_pg
    rm -rf -- "$WORK"
    exit "$rc"
}
stop_pg() {
    if [ -n "$PGDIR" ]; then
        bash "$ROOT/scripts/pg-server.sh" stop "$PGDIR" || rm -rf -- "$PGDIR"
        PGDIR=
    fi
}
trap cleanup EXIT
trap 'echo "test.sh: interrupted" >&2; exit 130' INT
trap 'echo "test.sh: terminated" >&2; exit 143' TERM

banner() { printf '\n== %s ==\n' "$*"; }

# group_members PGID: the live (not zombie) processes of a process group
group_members() {
    ps -eo pgid=,stat=,pid=,args= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { print substr($0, 1, 200) }'
}

# limited SECONDS CMD...: run CMD with a time limit in a process group of its own
# (GNU timeout makes one), then end whatever it left behind in that group, e.g. a
# tinhso server a crashed test never stopped. Returns CMD's status (124: timed out).
limited() {
    local secs=$1
    shift
    timeout -k 15 "$secs" "$@" </dev/null &
    CHILD_PGID=$!
    wait "$CHILD_PGID"
    local rc=$? left
    left=$(group_members "$CHILD_PGID")
    if [ -n "$left" ]; then
        echo "test.sh: ending processes left behind by: ${*:1:3} ...:" >&2
        echo "$left" >&2
        kill -TERM -- "-$CHILD_PGID" 2>/dev/null
        sleep 1
        kill -KILL -- "-$CHILD_PGID" 2>/dev/null
    fi
    CHILD_PGID=
    [ "$rc" -eq 124 ] && echo "test.sh: TIMED OUT after ${secs}s: $*" >&2
    return "$rc"
}

set_result() { # SUITE passed|failed|skipped [NOTE]
    RESULT[$1]=$2
    NOTE[$1]=${3:-}
}

summary() {
    local passed=0 failed=0 skipped=0 s r
    stop_pg # its messages before the summary: the result line stays the last one
    banner "Summary ($((SECONDS - T0)) s)"
    for s in "${SUITES[@]}"; do
        r=${RESULT[$s]:-failed}
        [ -n "${RESULT[$s]:-}" ] || NOTE[$s]=${NOTE[$s]:-not run}
        case $r in
        passed) passed=$((passed + 1)) ;;
        skipped) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) r=FAILED ;;
        esac
        printf '  %-16s %-8s %6s  %s\n' "$s" "$r" "${TOOK[$s]:+${TOOK[$s]} s}" "${NOTE[$s]:-}"
    done
    if [ "$skipped" -gt 0 ]; then
        printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
    else
        printf '%d passed, %d failed\n' "$passed" "$failed"
    fi
    [ "$failed" -eq 0 ]
}

# abort: mark every suite without a result failed with NOTE, print the summary, exit 1
abort() {
    local s
    for s in "${SUITES[@]}"; do
        [ -n "${RESULT[$s]:-}" ] || set_result "$s" failed "not run: $1"
    done
    summary
    exit 1
}

# wrapper DIR: write DIR/bin/tinhso, which runs $BIN with its stderr copied to
# DIR/stderr/PID.log (exec keeps the PID, so signals reach tinhso itself); prints its path
wrapper() {
    local dir=$1
    mkdir -p "$dir/bin" "$dir/stderr"
    cat >"$dir/bin/tinhso" <<WRAP
#!/usr/bin/env bash
exec 2> >(exec tee -a "$dir/stderr/\$\$.log" >&2)
exec "$BIN" "\$@"
WRAP
    chmod +x "$dir/bin/tinhso"
    echo "$dir/bin/tinhso"
}

SAN_RE='==[0-9]+==ERROR: [A-Za-z]+Sanitizer|^SUMMARY: [A-Za-z]+Sanitizer|: runtime error: '

# sanitizer_reports DIR: print the sanitizer reports in DIR/stderr/*.log;
# false when there are any
sanitizer_reports() {
    local f bad=0 n
    for f in "$1"/stderr/*.log; do
        [ -f "$f" ] || continue
        n=$(grep -n -m1 -E "$SAN_RE" "$f" | cut -d: -f1) || continue
        [ -n "$n" ] || continue
        bad=1
        printf '\n---- sanitizer report (stderr of tinhso pid %s) ----\n' "$(basename "$f" .log)"
        # from a few lines before the first report line: the report and what led to it
        tail -n +"$((n > 5 ? n - 5 : 1))" "$f" | head -n 80
    done
    [ "$bad" -eq 0 ]
}

# ---------------------------------------------------------------- setup

banner "Dependencies"
bash scripts/deps.sh --test || abort "scripts/deps.sh --test failed"

banner "PostgreSQL"
PGDIR=$(mktemp -d /tmp/tinhso-pg.XXXXXX)
if ! PG_URL=$(bash scripts/pg-server.sh start "$PGDIR"); then
    PG_URL=
    echo "test.sh: the PostgreSQL test server did not start" >&2
fi
[ -n "$PG_URL" ] && echo "PostgreSQL test server: $PG_URL"

banner "Sanitizer build ($BUILD)"
b0=$SECONDS
if ! cmake -S . -B "$BUILD" -DTINHSO_SANITIZE=ON -DTINHSO_FAULTS=ON -DCMAKE_BUILD_TYPE=Debug ||
    ! cmake --build "$BUILD" -j"$JOBS"; then
    abort "the sanitizer build failed"
fi
echo "build took $((SECONDS - b0)) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp

# ---------------------------------------------------------------- builds

# build_variant NAME CC: configure + build Release into build-release-NAME/ (quietly;
# the log's tail on failure)
build_variant() {
    local name=$1 cc=$2 dir=build-release-$1 log=$WORK/build-$1.log
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "test.sh: $cc is not installed (scripts/deps.sh --test installs it)" >&2
        return 1
    fi
    if CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DTINHSO_WEB=OFF >"$log" 2>&1 &&
        cmake --build "$dir" -j"$JOBS" >>"$log" 2>&1; then
        echo "Release with $cc: built in $dir/"
        return 0
    fi
    tail -n 40 "$log" >&2
    echo "test.sh: the Release build with $cc FAILED" >&2
    return 1
}

banner "Builds (Release: gcc, clang)"
s0=$SECONDS
failed_builds=()
build_variant gcc gcc || failed_builds+=(gcc)
build_variant clang clang || failed_builds+=(clang)
if [ ${#failed_builds[@]} -eq 0 ]; then
    set_result builds passed
else
    set_result builds failed "Release build failed with: ${failed_builds[*]}"
fi
TOOK[builds]=$((SECONDS - s0))

# ---------------------------------------------------------------- unit

banner "Unit tests (ctest)"
s0=$SECONDS
if TINHSO_TEST_PG=$PG_URL limited "$TEST_TIMEOUT" \
    ctest --test-dir "$BUILD" --output-on-failure --no-tests=error; then
    if [ -n "$PG_URL" ]; then
        set_result unit passed
    else
        set_result unit failed "PostgreSQL server did not start: its unit tests did not run"
    fi
else
    set_result unit failed "ctest failed"
fi
TOOK[unit]=$((SECONDS - s0))

# ---------------------------------------------------------------- API

# api_suite SUITE PG_URL: node's test runner over tests/api (PG_URL empty: SQLite)
api_suite() {
    local suite=$1 url=$2 s0=$SECONDS files=()
    mapfile -t files < <(find tests/api -type f -name '*.test.mjs' \
        -not -path '*/node_modules/*' -not -path 'tests/api/lib/*' | sort)
    if [ ${#files[@]} -eq 0 ]; then
        echo "test.sh: no API test files (tests/api/*.test.mjs)" >&2
        set_result "$suite" failed "no API test files in tests/api/"
        return
    fi
    local san=$WORK/$suite
    local env=(TINHSO_BIN="$(wrapper "$san")")
    [ -n "$url" ] && env+=(TINHSO_TEST_PG="$url")
    echo "${#files[@]} test files"
    # two files at a time (each starts its own servers on its own databases
    # and ports): the suites are mostly waiting — password hashes, sleeps,
    # timeouts — and two cores run two of them in half the time
    if limited "$TEST_TIMEOUT" env "${env[@]}" \
        node --test --test-concurrency=2 --test-reporter=spec "${files[@]}"; then
        set_result "$suite" passed
    else
        set_result "$suite" failed "node --test failed"
    fi
    if ! sanitizer_reports "$san"; then
        set_result "$suite" failed "${NOTE[$suite]:+${NOTE[$suite]}; }sanitizer reports (printed above)"
    fi
    TOOK[$suite]=$((SECONDS - s0))
}

banner "API tests on SQLite"
api_suite api-sqlite ""

banner "API tests on PostgreSQL"
if [ -n "$PG_URL" ]; then
    api_suite api-postgresql "$PG_URL"
else
    set_result api-postgresql failed "not run: the PostgreSQL server did not start"
fi

# ---------------------------------------------------------------- e2e

# e2e_suite SUITE PG_URL: npm test in tests/e2e (PG_URL empty: SQLite)
e2e_suite() {
    local suite=$1 url=$2 s0=$SECONDS san=$WORK/$1
    local env=(TINHSO_BIN="$(wrapper "$san")")
    [ -n "$url" ] && env+=(TINHSO_E2E_PG="$url")
    if limited "$TEST_TIMEOUT" env "${env[@]}" npm test --prefix tests/e2e; then
        set_result "$suite" passed
    else
        set_result "$suite" failed "npm test failed"
    fi
    sanitizer_reports "$san" ||
        set_result "$suite" failed "${NOTE[$suite]:+${NOTE[$suite]}; }sanitizer reports (printed above)"
    TOOK[$suite]=$((SECONDS - s0))
}

banner "End-to-end tests (tests/e2e) on SQLite"
if [ -f tests/e2e/package.json ]; then
    s0=$SECONDS
    if [ -f tests/e2e/package-lock.json ]; then
        install=(npm ci --prefix tests/e2e --no-audit --no-fund)
    else
        install=(npm install --prefix tests/e2e --no-audit --no-fund)
    fi
    if ! limited "$TEST_TIMEOUT" "${install[@]}"; then
        set_result e2e failed "${install[*]} failed"
        set_result e2e-postgresql failed "not run: ${install[*]} failed"
    else
        e2e_suite e2e ""
        TOOK[e2e]=$((SECONDS - s0))
        banner "End-to-end tests (tests/e2e) on PostgreSQL"
        if [ -n "$PG_URL" ]; then
            e2e_suite e2e-postgresql "$PG_URL"
        else
            set_result e2e-postgresql failed "not run: the PostgreSQL server did not start"
        fi
    fi
else
    echo "tests/e2e/package.json does not exist: no end-to-end tests yet, skipped"
    set_result e2e skipped "no tests/e2e/package.json"
    set_result e2e-postgresql skipped "no tests/e2e/package.json"
fi

# ---------------------------------------------------------------- fuzz

banner "Fuzzing (tests/fuzz, ${FUZZ_SECONDS:-20} s a harness)"
s0=$SECONDS
if limited "$TEST_TIMEOUT" bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"; then
    set_result fuzz passed
else
    set_result fuzz failed "a harness failed (reproducers in build-fuzz/findings/)"
fi
TOOK[fuzz]=$((SECONDS - s0))

summary
