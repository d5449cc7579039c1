#!/usr/bin/env bash
# Shared helpers: throwaway PostgreSQL clusters under target/, run as postgres.
# `use_major N` picks the installation (scripts/majors.sh: PGNN_CONFIG); PG_MAJOR
# (default 15) is the one picked when this file is sourced. Its bin directory is PGBIN.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/majors.sh"
# Ports: major 15 uses base+1 .. base+9, 16 base+11 .. base+19, 17 +21.., 18 +31..
# Parallel checkouts set PERSONALITY_PORT_BASE to stay apart.
PORT_BASE0=${PERSONALITY_PORT_BASE:-5490}
export PGUSER=postgres

as_pg() { sudo -u postgres -H "$@"; }

PATH0=${PATH0:-$PATH}

# use_major N: PG_MAJOR, PG_CONFIG, PGBIN (first on PATH: psql, pg_dump of that major),
# PORT_BASE and the cargo features (PG_FEATURES) of major N.
use_major() {
    PG_MAJOR=$1
    PG_CONFIG=$(pg_config_for "$1")
    PGBIN=$("$PG_CONFIG" --bindir 2>/dev/null || dirname "$PG_CONFIG")
    PATH=$PGBIN:$PATH0
    # exported: scripts/backup.sh (run by the integration tests) and pgrx read them
    export PG_CONFIG PGBIN
    PORT_BASE=$((PORT_BASE0 + 10 * ($1 - 15)))
    PG_FEATURES=(--no-default-features --features "personality_ext/pg$1")
}
use_major "${PG_MAJOR:-15}"

# Clusters live in target/pg when the postgres user can reach it (CI may clone into a
# directory only root can enter; then /tmp is used instead).
mkdir -p "$ROOT/target"
if sudo -u postgres test -x "$ROOT/target" 2>/dev/null; then
    PGROOT="$ROOT/target/pg"
else
    PGROOT="/tmp/personality_ext-pg-$(echo "$ROOT" | md5sum | cut -c1-8)"
fi
mkdir -p "$PGROOT"
chown postgres "$PGROOT"

# cluster_dir NAME: target/pg/NAME for 15, target/pg/NAME-pgN for the other majors.
cluster_dir() {
    if [ "$PG_MAJOR" = 15 ]; then echo "$PGROOT/$1"; else echo "$PGROOT/$1-pg$PG_MAJOR"; fi
}

# cluster_start NAME PORT: a fresh cluster of the current major in cluster_dir NAME
# (data wiped), socket in the same dir.
cluster_start() {
    local name=$1 port=$2 dir
    dir=$(cluster_dir "$1")
    cluster_stop "$name"
    rm -rf "$dir"
    as_pg mkdir -p "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync --locale=C.UTF-8 --encoding=UTF8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log"; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
shared_buffers = 256MB
max_connections = 100
CONF
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    export PGHOST=$dir PGPORT=$port
}

cluster_stop() {
    local dir
    dir=$(cluster_dir "$1")
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

# Build and install the extension into the current major (release: what ships).
install_extension() {
    local log="$ROOT/target/install-pg$PG_MAJOR.log"
    (cd "$ROOT" && cargo pgrx install --release --pg-config "$PG_CONFIG" >"$log" 2>&1) \
        || { tail -50 "$log"; return 1; }
}
