#!/usr/bin/env bash
# Helpers shared by the bench scripts (run.sh, recommend.sh, quality.sh, load.sh,
# versions.sh, model.sh): a helper used by two scripts lives here, not in a copy.
# Source it from the repository root after scripts/lib.sh (throwaway clusters, as_pg,
# install_extension, PG_CONFIG), which it relies on:
#
#   source scripts/lib.sh
#   source bench/lib.sh
#
# The sample catalog has one source: tests/fixtures/sample_data.sql holds the ten
# categories (and the small catalog of the tests, the demo, bench/run.sh and
# bench/load.sh); bench/recommend_catalog.sql reads its categories from there.

# say MESSAGE: a timestamped progress line on stderr, prefixed with $BENCH_TAG.
say() { printf '[%s %s] %s\n' "${BENCH_TAG:-bench}" "$(date -u +%H:%M:%S)" "$*" >&2; }

# bench_install: build and install the extension (release) unless BENCH_SKIP_INSTALL=1.
bench_install() {
    if [ "${BENCH_SKIP_INSTALL:-}" != 1 ]; then
        say "building and installing the extension (release)"
        install_extension
    fi
}

# create_extension_pinned DB PINDIR: CREATE EXTENSION personality_ext, then make this
# database's C functions load a private copy of personality_ext.so taken with the SQL
# script it was installed with (pg_proc.probin of the throwaway database only), so a
# reinstall of the extension by someone else during the run cannot mix builds. Retries
# (after DROP EXTENSION) when the files change during CREATE EXTENSION. Sets SO_ID.
# PINDIR's parent must be readable by the postgres user.
create_extension_pinned() {
    local db=$1 dir=$2 so sqlfile attempt sql_id
    so="$("$PG_CONFIG" --pkglibdir)/personality_ext.so"
    sqlfile="$("$PG_CONFIG" --sharedir)/extension/personality_ext--$(psql -X -At -d "$db" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'personality_ext'").sql"
    mkdir -p "$dir"
    chmod a+rx "$dir"
    for attempt in 1 2 3 4 5; do
        SO_ID=$(sha256sum "$so" | cut -c1-12)
        sql_id=$(sha256sum "$sqlfile" | cut -c1-12)
        cp "$so" "$dir/personality_ext.so"
        chmod a+r "$dir/personality_ext.so"
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION personality_ext"
        if [ "$(sha256sum "$dir/personality_ext.so" | cut -c1-12)" = "$SO_ID" ] \
            && [ "$(sha256sum "$so" | cut -c1-12)" = "$SO_ID" ] \
            && [ "$(sha256sum "$sqlfile" | cut -c1-12)" = "$sql_id" ]; then
            pin_library "$db" "$dir"
            return 0
        fi
        say "the extension was reinstalled during CREATE EXTENSION; again in 20 s"
        psql -X -q -d "$db" -c "DROP EXTENSION personality_ext CASCADE"
        sleep 20
    done
    echo "could not pin personality_ext.so" >&2
    return 1
}

# pin_library DB DIR: this database's C functions load DIR/personality_ext.so instead of
# $libdir's (pg_proc.probin of DB only), so that two builds can be compared in one
# cluster, or a reinstall by someone else cannot change the build under a run.
pin_library() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$1" \
        -c "UPDATE pg_proc SET probin = '$2/personality_ext' WHERE probin = '\$libdir/personality_ext'"
}

# median: the median of the numbers on stdin, one a line ("NA" when there are none).
median() {
    sort -g | awk '{a[NR] = $1} END {
        if (NR == 0) { print "NA"; exit }
        if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# server_cpu DATADIR: CPU seconds used so far by the cluster of DATADIR: the postmaster,
# its live children and (cutime/cstime) every child that has exited, e.g. the backends
# of finished runs. Unlike wall-clock tps it hardly moves when other work shares the
# machine: the difference over a run, per transaction, is what a change costs.
server_cpu() {
    local pm
    pm=$(head -1 "$1/postmaster.pid")
    python3 - "$pm" <<'PY'
import os, sys
pm = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
total = 0
f = fields(pm)
total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != pm:
        try:
            g = fields(pid)
        except OSError:
            continue
        if g[1] == pm:  # ppid
            total += int(g[11]) + int(g[12])
print(total / hz)
PY
}
