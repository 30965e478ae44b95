#!/usr/bin/env bash
# pg-server.sh — a throw-away PostgreSQL 15 server for tests.
#
#   scripts/pg-server.sh start DIR   initdb into DIR/data, start on a free port of
#                                    127.0.0.1 (55432 upward), create database
#                                    "tinhso"; prints ONLY the URL on stdout:
#                                    postgresql://tinhso-pg@127.0.0.1:PORT/tinhso
#   scripts/pg-server.sh stop DIR    stop it (fast) and remove DIR
#
# Trust authentication, fsync off: for tests only. As root the server runs as
# the unprivileged system user tinhso-pg (created when missing); otherwise as
# the calling user. The database superuser is always named tinhso-pg.
# PG_BIN overrides the binaries directory (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=tinhso-pg
PORT_FIRST=55432
PORT_TRIES=200

say() { printf 'pg-server: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the server's OS user.
as_pg() {
    if is_root; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    is_root || return 0
    id -u "$PG_USER" >/dev/null 2>&1 && return 0
    say "creating system user $PG_USER"
    # a parallel run may create it at the same moment: check again on failure
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        "$PG_USER" >&2 || id -u "$PG_USER" >/dev/null 2>&1 || die "cannot create user $PG_USER"
}

port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
        return 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

cmd_start() {
    local dir=$1
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL binaries not found in $PG_BIN (install postgresql-15)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    local data=$dir/data log=$dir/server.log
    [ -e "$data/PG_VERSION" ] && die "$data already holds a cluster; run '$0 stop $dir' first"

    ensure_user
    if is_root; then
        chown "$PG_USER" "$dir"
        chmod 0700 "$dir"
        as_pg test -w "$dir" ||
            die "$dir is not reachable by $PG_USER (a parent directory is private?); use e.g. /tmp"
    fi

    say "initdb $data"
    if ! as_pg "$PG_BIN/initdb" -D "$data" -U "$PG_USER" --auth-local=trust --auth-host=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi

    # the Unix socket lives in DIR unless the path is too long for sun_path
    local sockdir=$dir
    if [ $((${#dir} + 18)) -gt 107 ]; then
        say "DIR path too long for a Unix socket; TCP only"
        sockdir=
    fi

    local port=$PORT_FIRST last=$((PORT_FIRST + PORT_TRIES)) started=
    while [ "$port" -lt "$last" ]; do
        if port_in_use "$port"; then
            port=$((port + 1))
            continue
        fi
        # another run may grab the same port between the probe and the bind: then try the next
        if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o \
            "-c listen_addresses=127.0.0.1 -p $port -k '$sockdir' -c fsync=off -c max_connections=200" \
            start >&2; then
            started=1
            break
        fi
        if grep -q -e 'could not bind' -e 'Address already in use' -e 'could not create lock file' \
            "$log" 2>/dev/null; then
            say "port $port taken meanwhile, trying the next one"
            : >"$log"
            port=$((port + 1))
            continue
        fi
        cat "$log" >&2 || true
        die "server failed to start"
    done
    [ -n "$started" ] || die "no free port in $PORT_FIRST..$((last - 1))"

    if ! as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" tinhso >&2; then
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >&2 || true
        die "createdb failed"
    fi

    local url="postgresql://$PG_USER@127.0.0.1:$port/tinhso"
    echo "$port" >"$dir/port"
    echo "$url" >"$dir/url"
    say "running on port $port (data $data, log $log)"
    echo "$url"
}

cmd_stop() {
    local dir=$1
    if [ ! -d "$dir" ]; then
        say "$dir does not exist; nothing to stop"
        return 0
    fi
    dir=$(cd "$dir" && pwd -P)
    local data=$dir/data
    if [ -f "$data/postmaster.pid" ]; then
        say "stopping server in $data"
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2 ||
            say "pg_ctl stop failed (server already gone?)"
    fi
    # refuse to wipe a directory this script did not set up
    if [ ! -e "$data" ] && [ ! -e "$dir/port" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir does not look like a pg-server.sh directory; not removing it"
    fi
    rm -rf -- "$dir"
}

[ $# -eq 2 ] || usage
[ -n "$2" ] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
