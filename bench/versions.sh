#!/usr/bin/env bash
# Swipe throughput and personality_recommend latency of two builds of personality_ext in
# ONE run: the installed one (new) against an older release's library and SQL (old),
# in two databases of one throwaway cluster, rounds alternating between them.
#
#   OLD_SO=/path/to/old/personality_ext.so OLD_SQL=tests/fixtures/personality_ext--0.2.0.sql \
#     OLD_VERSION=0.2.0 bash bench/versions.sh
#
# Build the old library from its tag/commit in a separate worktree (cargo build --release
# --lib --features pg15; target/release/libpersonality_ext.so). Each database's C
# functions are pinned to a private copy of its library (pg_proc.probin), so the two
# builds never meet in one backend. Settings (env): ROUNDS=5, SECONDS_PER_RUN=10,
# PRODUCTS=10000, USERS=1000, CLIENTS="1 16", FSYNC=off (CPU-bound: the strictest
# comparison of the code itself). Prints medians and the median of per-round ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh
BENCH_TAG=versions
: "${OLD_SO:?path of the old personality_ext.so}" "${OLD_SQL:?SQL script of the old version}" "${OLD_VERSION:?its version}"
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
PRODUCTS=${PRODUCTS:-10000}
USERS=${USERS:-1000}
CLIENTS=${CLIENTS:-"1 16"}
FSYNC=${FSYNC:-off}

cluster_start bench_versions 5495
psql -X -q -c "ALTER SYSTEM SET fsync = $FSYNC" -c "SELECT pg_reload_conf()" >/dev/null
ext="$("$PG_CONFIG" --sharedir)/extension"
cp "$OLD_SQL" "$ext/personality_ext--$OLD_VERSION.sql"
pin="$PGROOT/bench_versions/pin"
mkdir -p "$pin/old" "$pin/new"
cp "$OLD_SO" "$pin/old/personality_ext.so"
cp "$("$PG_CONFIG" --pkglibdir)/personality_ext.so" "$pin/new/personality_ext.so"
chmod -R a+rX "$pin"
for v in old new; do
    psql -X -q -c "CREATE DATABASE bv_$v"
    psql -X -q -d "bv_$v" -f tests/fixtures/host_schema.sql
    sed -e "s/:products/$PRODUCTS/; s/:users/$USERS/" tests/fixtures/sample_data.sql | psql -X -q -d "bv_$v"
    if [ $v = old ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d bv_old -c "CREATE EXTENSION personality_ext VERSION '$OLD_VERSION'"
    else
        psql -X -q -v ON_ERROR_STOP=1 -d bv_new -c "CREATE EXTENSION personality_ext"
    fi
    psql -X -q -v ON_ERROR_STOP=1 -d "bv_$v" \
        -c "UPDATE pg_proc SET probin = '$pin/$v/personality_ext' WHERE probin = '\$libdir/personality_ext'"
done
cat >"$pin/recommend.pgbench" <<SQL
\set u random(1, $USERS)
SELECT count(*) FROM personality_recommend(('00000000-0000-4000-d000-' || lpad((:u)::text, 12, '0'))::uuid, 10);
SQL
chmod a+r "$pin/recommend.pgbench"

tps() { # db clients script
    "$PGBIN/pgbench" -n -h "$PGHOST" -p "$PGPORT" -c "$2" -j "$2" -T "$SECONDS_PER_RUN" \
        -D users="$USERS" -D products="$PRODUCTS" -f "$3" "$1" 2>/dev/null \
        | awk '/^tps/ {print $3; exit}'
}
results=$(mktemp)
for r in $(seq 1 "$ROUNDS"); do
    for c in $CLIENTS; do
        for v in old new; do
            psql -X -q -d "bv_$v" -f bench/reset_swipes.sql >/dev/null
            psql -X -q -d "bv_$v" -c "VACUUM ANALYZE" >/dev/null
            echo "swipes c=$c $v $r $(tps "bv_$v" "$c" bench/swipe.pgbench)" >>"$results"
        done
    done
    for v in old new; do
        echo "recommend c=1 $v $r $(tps "bv_$v" 1 "$pin/recommend.pgbench")" >>"$results"
    done
    say "round $r done"
done
python3 - "$results" <<'PY'
import sys, statistics as st, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
d = collections.defaultdict(dict)
for w, c, v, r, t in rows:
    d[(w, c)].setdefault(v, {})[r] = float(t)
print("| workload | clients | old tps (median) | new tps (median) | new/old (median of rounds) |")
print("|---|---|---|---|---|")
for (w, c), vs in sorted(d.items()):
    rounds = sorted(set(vs["old"]) & set(vs["new"]))
    ratios = [vs["new"][r] / vs["old"][r] for r in rounds if vs["old"][r] > 0]
    print(f"| {w} | {c[2:]} | {st.median(vs['old'].values()):.0f} | {st.median(vs['new'].values()):.0f} | {st.median(ratios):.3f} |")
PY
rm -f "$results" "$ext/personality_ext--$OLD_VERSION.sql"
cluster_stop bench_versions
