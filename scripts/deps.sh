#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages tinhso needs, and only the missing ones.
#
#   scripts/deps.sh            build + run: compiler, CMake and the -dev libraries
#   scripts/deps.sh --test     also what scripts/test.sh needs (cmocka, PostgreSQL 15,
#                              sqlite3, chromium, clang + libFuzzer, Node.js + npm when `node`/`npm` are not
#                              on PATH, ...)
#   scripts/deps.sh --bench    also wrk, hyperfine, valgrind
#   scripts/deps.sh --lint     also clang-format, cppcheck (make format / make lint)
#   scripts/deps.sh --fuzz     also clang and its libFuzzer runtime (make fuzz)
#
# Options combine. Idempotent: a package counts as present when dpkg-query reports
# "install ok installed"; `apt-get update` runs once, and only when something is
# missing. Prints one line: what was installed, or "all dependencies present".
# Runs apt-get directly as root, through sudo otherwise (when sudo exists).
set -euo pipefail

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# libcrack2-dev + cracklib-runtime (its dictionary): the common-password check;
# libmagic-dev (and its database, libmagic-mgc): what an uploaded file really is;
# libxlsxwriter-dev: the statistics as Excel; libhpdf-dev + fonts-liberation2: the
# printed forms (PDF with an embedded Unicode font, so Vietnamese renders);
# libvips-dev + libexif-dev + libwebp-dev (libwebpmux): citizens' photos
# (platform/images: decode, blur, resize, re-encode without metadata; the EXIF
# GPS read at submission)
BUILD_PKGS=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
    libpq-dev libssl-dev libunistring-dev zlib1g-dev libargon2-dev libcrack2-dev cracklib-runtime libqrencode-dev
    libmagic-dev libmagic-mgc libxlsxwriter-dev libhpdf-dev fonts-liberation2 libvips-dev libexif-dev libwebp-dev)
# psql (postgresql-client-15) and sqlite3 are used by the API test harness;
# procps/iproute2 (ps, ss) by scripts/pg-server.sh; curl for smoke checks;
# chromium for the browser tests (tests/e2e drives /usr/bin/chromium with playwright-core);
# clang for the "builds" suite (Release with clang must stay -Werror clean too).
# poppler-utils (pdftotext, pdftoppm): the tests read the printed forms back
TEST_PKGS=(libcmocka-dev postgresql-15 postgresql-client-15 sqlite3 procps iproute2 curl chromium
    clang libclang-rt-14-dev poppler-utils)
BENCH_PKGS=(wrk hyperfine valgrind)
LINT_PKGS=(clang-format cppcheck)
# libFuzzer comes with clang's runtime libraries (scripts/fuzz.sh)
FUZZ_PKGS=(clang libclang-rt-14-dev)

want=("${BUILD_PKGS[@]}")
for arg in "$@"; do
    case $arg in
    --test)
        want+=("${TEST_PKGS[@]}")
        # Node.js 20 and npm may come from outside Debian's archive (already on PATH):
        # Debian's packages only as a fallback.
        command -v node >/dev/null 2>&1 || want+=(nodejs)
        command -v npm >/dev/null 2>&1 || want+=(npm)
        ;;
    --bench) want+=("${BENCH_PKGS[@]}") ;;
    --lint) want+=("${LINT_PKGS[@]}") ;;
    --fuzz) want+=("${FUZZ_PKGS[@]}") ;;
    -h | --help) usage ;;
    *)
        echo "deps.sh: unknown option $arg" >&2
        usage
        ;;
    esac
done

missing=()
declare -A seen=()
for pkg in "${want[@]}"; do
    [ -n "${seen[$pkg]:-}" ] && continue
    seen[$pkg]=1
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all dependencies present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "deps: missing ${missing[*]}, and not root and no sudo: install them by hand" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/tinhso-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# wait for another apt/dpkg run (a colleague's, unattended-upgrades) instead of failing
apt_opts=(-o DPkg::Lock::Timeout=600)
if ! "${SUDO[@]}" apt-get "${apt_opts[@]}" update -q >"$log" 2>&1 ||
    ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -q \
        --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "deps: FAILED to install ${missing[*]}" >&2
    exit 1
fi
echo "deps: installed ${missing[*]}"
