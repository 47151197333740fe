#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, in a directory of its own.
#
#   scripts/pg-cluster.sh start DIR   initialise and start a cluster in DIR (empty or missing),
#                                     listening on 127.0.0.1 only, on the first free port from
#                                     $PG_CLUSTER_PORT (default 54329) upward, with its unix socket
#                                     in DIR; create a SUPERUSER role and a database; print
#                                     postgres://ROLE@127.0.0.1:PORT/DB on stdout (all else on
#                                     stderr), and keep it in DIR/database_url as well.
#   scripts/pg-cluster.sh stop DIR    stop that cluster (if running) and delete DIR. Safe to call
#                                     twice, or after a start that failed half way.
#
# Authentication is `trust`: the cluster is for tests on this machine and is gone on `stop`.
# The role is a superuser because the tests switch the audit table's triggers off to simulate
# tampering, and the test runner creates and drops `test_<db>`.
#
# initdb and postgres refuse to run as root: as root, the cluster runs as the `postgres` system
# user (DIR is chowned to it; its parents must be searchable by that user, as /tmp is).
#
# Environment: PG_BIN (directory with initdb, pg_ctl, psql; default: found on PATH or in
# /usr/lib/postgresql/*/bin), PG_CLUSTER_PORT (first port to try), PG_CLUSTER_ROLE (concord),
# PG_CLUSTER_DB (concord), PG_CLUSTER_OS_USER (postgres; used only when run as root).
set -euo pipefail

MARKER=".pg-cluster"
ROLE="${PG_CLUSTER_ROLE:-concord}"
DB="${PG_CLUSTER_DB:-concord}"
OS_USER="${PG_CLUSTER_OS_USER:-postgres}"
FIRST_PORT="${PG_CLUSTER_PORT:-54329}"
PORT_TRIES=50
RUNUSER="$(command -v runuser || echo /usr/sbin/runuser)"

say() { printf 'pg-cluster: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/initdb" ]] || die "PG_BIN=$PG_BIN has no initdb"
        echo "$PG_BIN"
        return
    fi
    local initdb
    if initdb="$(command -v initdb 2>/dev/null)"; then
        # Debian links only some binaries onto PATH: use the directory the real one lives in.
        dirname "$(readlink -f "$initdb")"
        return
    fi
    local candidate
    candidate="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    [[ -n "$candidate" && -x "$candidate/initdb" ]] ||
        die "no PostgreSQL server binaries (initdb) found; install them or set PG_BIN"
    echo "$candidate"
}

# Run a server-side command as the cluster's owner, from inside DIR (the caller's working
# directory may not be readable by that user).
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd "$DIR" && "$RUNUSER" -u "$OS_USER" -- "$@")
    else
        (cd "$DIR" && "$@")
    fi
}

port_in_use() {
    # Something answers on 127.0.0.1:$1 (a listener on 0.0.0.0 answers here too).
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

server_running() {
    [[ -f "$DIR/data/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

start() {
    if [[ -e "$DIR" ]]; then
        [[ -d "$DIR" ]] || die "$DIR exists and is not a directory"
        [[ -z "$(ls -A "$DIR")" ]] || die "$DIR is not empty"
    else
        mkdir -p "$DIR"
    fi
    DIR="$(cd "$DIR" && pwd -P)"
    : >"$DIR/$MARKER"
    mkdir "$DIR/data" "$DIR/socket"
    chmod 700 "$DIR/data"
    if [[ "$(id -u)" -eq 0 ]]; then
        id "$OS_USER" >/dev/null 2>&1 || die "system user '$OS_USER' missing (initdb refuses root)"
        chown -R "$OS_USER": "$DIR"
        [[ -x "$RUNUSER" ]] || die "runuser (util-linux) is needed to run initdb as '$OS_USER'"
        "$RUNUSER" -u "$OS_USER" -- test -w "$DIR/data" ||
            die "user '$OS_USER' cannot reach $DIR: pick a DIR under /tmp (e.g. mktemp -d)"
    fi
    local socket_len=${#DIR}
    ((socket_len < 80)) || die "$DIR is too long a path for a unix socket; use a shorter DIR"

    say "initdb in $DIR/data ($BIN)"
    as_owner "$BIN/initdb" --pgdata="$DIR/data" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$DIR/data/postgresql.conf" <<EOF

# scripts/pg-cluster.sh: a throwaway cluster for tests; speed over durability.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
log_min_messages = warning
EOF

    local port=$FIRST_PORT last=$((FIRST_PORT + PORT_TRIES)) started=""
    while ((port < last)); do
        if port_in_use "$port"; then
            port=$((port + 1))
            continue
        fi
        : >"$DIR/postgres.log"
        chown --reference="$DIR/data" "$DIR/postgres.log" 2>/dev/null || true
        if as_owner "$BIN/pg_ctl" --pgdata="$DIR/data" --log="$DIR/postgres.log" --wait \
            --timeout=60 -o "-p $port" start >/dev/null 2>&1; then
            started=$port
            break
        fi
        if grep -q "could not bind\|Address already in use\|could not create any TCP/IP sockets" \
            "$DIR/postgres.log"; then
            say "port $port taken meanwhile, trying the next"
            port=$((port + 1))
            continue
        fi
        tail -n 30 "$DIR/postgres.log" >&2 || true
        die "postgres did not start (log: $DIR/postgres.log)"
    done
    [[ -n "$started" ]] || die "no free port in $FIRST_PORT..$((last - 1)) on 127.0.0.1"
    echo "$started" >"$DIR/port"

    local psql="$BIN/psql"
    [[ -x "$psql" ]] || psql="$(command -v psql)" || die "no psql client found"
    "$psql" --no-psqlrc --quiet -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$started" -U postgres \
        -d postgres >/dev/null <<SQL || die "could not create role '$ROLE' and database '$DB'"
CREATE ROLE "$ROLE" LOGIN SUPERUSER;
CREATE DATABASE "$DB" OWNER "$ROLE";
SQL

    local url="postgres://$ROLE@127.0.0.1:$started/$DB"
    echo "$url" >"$DIR/database_url"
    say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$started"
    echo "$url"
}

stop() {
    if [[ ! -e "$DIR" ]]; then
        return 0
    fi
    DIR="$(cd "$DIR" && pwd -P)"
    if [[ -d "$DIR" && -z "$(ls -A "$DIR")" ]]; then
        rmdir -- "$DIR" # never started (or start failed before writing anything)
        return 0
    fi
    [[ -f "$DIR/$MARKER" ]] || die "$DIR was not made by $0 start: not touching it"
    if server_running; then
        as_owner "$BIN/pg_ctl" --pgdata="$DIR/data" --mode=fast --wait --timeout=30 stop \
            >/dev/null 2>&1 ||
            as_owner "$BIN/pg_ctl" --pgdata="$DIR/data" --mode=immediate --wait --timeout=30 \
                stop >/dev/null 2>&1 ||
            say "warning: could not stop the server in $DIR/data"
        say "stopped the cluster in $DIR"
    fi
    rm -rf -- "$DIR"
}

[[ $# -eq 2 ]] || usage
COMMAND=$1
DIR=$2
[[ -n "$DIR" ]] || usage
BIN="$(find_bin)"
case "$COMMAND" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
