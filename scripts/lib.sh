#!/usr/bin/env bash
# Shared helpers: throwaway PostgreSQL 15 clusters under target/, run as postgres.
# PG_CONFIG alone picks the installation: its bin directory becomes PGBIN.
if [ -z "${PGBIN:-}" ] && [ -n "${PG_CONFIG:-}" ]; then
    PGBIN=$("$PG_CONFIG" --bindir)
fi
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
# Ports base+1 .. base+9; parallel checkouts set PERSONALITY_PORT_BASE to stay apart.
PORT_BASE=${PERSONALITY_PORT_BASE:-5490}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGUSER=postgres

as_pg() { sudo -u postgres -H "$@"; }

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

# cluster_start NAME PORT: a fresh cluster in target/pg/NAME (data wiped), socket in the same dir.
cluster_start() {
    local name=$1 port=$2 dir="$PGROOT/$1"
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
    local dir="$PGROOT/$1"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

# Build and install the extension into Debian's PostgreSQL 15 (release: what ships).
install_extension() {
    (cd "$ROOT" && cargo pgrx install --release --pg-config "$PG_CONFIG" >"$ROOT/target/install.log" 2>&1) \
        || { tail -50 "$ROOT/target/install.log"; return 1; }
}
