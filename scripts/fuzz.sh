#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang,
# ASan and UBSan into build-fuzz/, and run each for SECONDS (default 60),
# starting from its seed corpus tests/fuzz/corpus/NAME/. New inputs go to a
# scratch corpus, not the repository. What `make fuzz SECONDS=N` runs; the
# test suite runs it for 20 s a harness.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]     NAME: json_body, query, ... (default: all)
#
# A crash, leak, timeout or sanitizer report fails the run and leaves the
# reproducer in build-fuzz/findings/NAME/ (rerun: build-fuzz/fuzz_NAME FILE).
# The last line is "fuzz: N harnesses, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
SECONDS_EACH=${1:-60}
shift || true
BUILD=build-fuzz
JOBS=$(nproc 2>/dev/null || echo 2)

command -v clang >/dev/null 2>&1 || bash scripts/deps.sh --fuzz >/dev/null || exit 1
if ! CC=clang cmake -S . -B "$BUILD" -DTINHSO_FUZZ=ON -DTINHSO_WEB=OFF -DCMAKE_BUILD_TYPE=Debug \
    >/dev/null || ! cmake --build "$BUILD" -j"$JOBS" >/dev/null; then
    echo "fuzz: the build failed (rerun: CC=clang cmake -S . -B $BUILD -DTINHSO_FUZZ=ON && cmake --build $BUILD)" >&2
    echo "fuzz: 0 harnesses, 1 failed"
    exit 1
fi

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        names+=("${n#fuzz_}")
    done
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for n in "${names[@]}"; do
    bin=$BUILD/fuzz_$n
    work=$BUILD/corpus/$n
    found=$BUILD/findings/$n
    mkdir -p "$work" "$found"
    seeds=tests/fuzz/corpus/$n
    [ -d "$seeds" ] || seeds=
    printf 'fuzz %-12s %4ss ... ' "$n" "$SECONDS_EACH"
    log=$BUILD/fuzz_$n.log
    if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$found/" "$work" ${seeds:+"$seeds"} >"$log" 2>&1; then
        runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
        echo "ok (${runs:-?} runs, coverage ${cov:-?})"
    else
        failed=$((failed + 1))
        echo "FAILED"
        grep -m1 -E 'ERROR: |SUMMARY: |runtime error' "$log" || tail -n 20 "$log"
        ls "$found" 2>/dev/null | sed 's/^/  reproducer: /'
    fi
done
echo "fuzz: ${#names[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
