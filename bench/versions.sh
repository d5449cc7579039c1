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
# builds never meet in one backend. Settings (env): PAIRED=0 (1: run both at once), ROUNDS=5, SECONDS_PER_RUN=10,
# PRODUCTS=10000, USERS=1000, CLIENTS="1 16", FSYNC=off (CPU-bound: the strictest
# comparison of the code itself). Prints medians and the median of per-round ratios, of
# tps and of the server's CPU time per transaction (robust on a shared machine).
# STATEMENTS=1 also loads pg_stat_statements (track = all: the statements the triggers
# run too) and prints each build's statements by total execution time per swipe, to
# see where a difference comes from. OLD_AFTER="SQL" runs SQL in the old build's
# database after CREATE EXTENSION: with OLD_SO/OLD_SQL the new build's own files, the
# cost of one setting (e.g. OLD_AFTER="ALTER FUNCTION update_personality_from_behavior()
# RESET ALL").
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

cluster_start bench_versions $((PORT_BASE + 5))
psql -X -q -c "ALTER SYSTEM SET fsync = $FSYNC" -c "SELECT pg_reload_conf()" >/dev/null
STATEMENTS=${STATEMENTS:-0}
if [ "$STATEMENTS" = 1 ]; then
    printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\n" |
        as_pg tee -a "$PGROOT/bench_versions/data/postgresql.conf" >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PGROOT/bench_versions/data" -w restart >/dev/null
fi
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
    pin_library "bv_$v" "$pin/$v"
    if [ $v = old ] && [ -n "${OLD_AFTER:-}" ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d bv_old -c "$OLD_AFTER"
    fi
    if [ "$STATEMENTS" = 1 ]; then
        psql -X -q -d "bv_$v" -c "CREATE EXTENSION pg_stat_statements"
    fi
done
if [ "$STATEMENTS" = 1 ]; then
    psql -X -q -d bv_new -c "SELECT pg_stat_statements_reset()" >/dev/null
fi
cat >"$pin/recommend.pgbench" <<SQL
\set u random(1, $USERS)
SELECT count(*) FROM personality_recommend(('00000000-0000-4000-d000-' || lpad((:u)::text, 12, '0'))::uuid, 10);
SQL
chmod a+r "$pin/recommend.pgbench"

# run DB CLIENTS SCRIPT: prints "tps cpu_us_per_transaction" of one pgbench run.
run() {
    local before after out
    before=$(server_cpu "$PGROOT/bench_versions/data")
    out=$("$PGBIN/pgbench" -n -h "$PGHOST" -p "$PGPORT" -c "$2" -j "$2" -T "$SECONDS_PER_RUN" \
        -D users="$USERS" -D products="$PRODUCTS" -f "$3" "$1" 2>/dev/null)
    after=$(server_cpu "$PGROOT/bench_versions/data")
    awk -v b="$before" -v a="$after" '
        /^number of transactions actually processed/ {split($0, x, ": "); split(x[2], y, "/"); n = y[1]}
        /^tps/ {t = $3}
        END {printf "%s %.1f\n", t, (n > 0 ? (a - b) * 1e6 / n : 0)}' <<<"$out"
}
# PAIRED=1: old and new run at the same time (each with CLIENTS clients), so both see the
# same load from whatever else shares the machine; tps only (the CPU split is unknown).
PAIRED=${PAIRED:-0}
results=$(mktemp)
for r in $(seq 1 "$ROUNDS"); do
    # odd rounds run old first, even rounds new first: whatever the first run of a pair
    # leaves behind (dirty pages, autovacuum, a warmer cache) favours neither build
    order="old new"
    [ $((r % 2)) = 0 ] && order="new old"
    for c in $CLIENTS; do
        for v in $order; do
            psql -X -q -d "bv_$v" -f bench/reset_swipes.sql >/dev/null
            psql -X -q -d "bv_$v" -c "VACUUM ANALYZE" >/dev/null
            if [ "$PAIRED" != 1 ]; then
                echo "swipes c=$c $v $r $(run "bv_$v" "$c" bench/swipe.pgbench)" >>"$results"
            fi
        done
        if [ "$PAIRED" = 1 ]; then
            run bv_old "$c" bench/swipe.pgbench >"$results.old" &
            run bv_new "$c" bench/swipe.pgbench >"$results.new"
            wait
            for v in old new; do echo "swipes c=$c $v $r $(awk '{print $1, 0}' "$results.$v")" >>"$results"; done
        fi
    done
    if [ "$PAIRED" = 1 ]; then
        run bv_old 1 "$pin/recommend.pgbench" >"$results.old" &
        run bv_new 1 "$pin/recommend.pgbench" >"$results.new"
        wait
        for v in old new; do echo "recommend c=1 $v $r $(awk '{print $1, 0}' "$results.$v")" >>"$results"; done
    else
        for v in $order; do
            echo "recommend c=1 $v $r $(run "bv_$v" 1 "$pin/recommend.pgbench")" >>"$results"
        done
    fi
    say "round $r done"
done
python3 - "$results" <<'PY'
import sys, statistics as st, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tps = collections.defaultdict(dict)
cpu = collections.defaultdict(dict)
for w, c, v, r, t, u in rows:
    tps[(w, c)].setdefault(v, {})[r] = float(t)
    cpu[(w, c)].setdefault(v, {})[r] = float(u)
def ratio(d, inverse=False):
    rounds = sorted(set(d["old"]) & set(d["new"]))
    rs = [(d["old"][r] / d["new"][r]) if inverse else (d["new"][r] / d["old"][r])
          for r in rounds if d["old"][r] > 0 and d["new"][r] > 0]
    return st.median(rs) if rs else float("nan")
print("| workload | clients | old tps | new tps | new/old tps | old server CPU µs/tx | new server CPU µs/tx | old/new CPU |")
print("|---|---|---|---|---|---|---|---|")
for (w, c) in sorted(tps):
    t, u = tps[(w, c)], cpu[(w, c)]
    print(f"| {w} | {c[2:]} | {st.median(t['old'].values()):.0f} | {st.median(t['new'].values()):.0f} | "
          f"{ratio(t):.3f} | {st.median(u['old'].values()):.0f} | {st.median(u['new'].values()):.0f} | "
          f"{ratio(u, inverse=True):.3f} |")
print("(medians over rounds; ratios are medians of per-round ratios; > 1 means new is cheaper/faster)")
PY
if [ "$STATEMENTS" = 1 ]; then
    for v in old new; do
        echo
        echo "$v: statements by total execution time per swipe (µs), all rounds"
        psql -X -q -d "bv_$v" -P pager=off -c "
            WITH n AS (SELECT calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                        WHERE d.datname = current_database() AND query LIKE 'INSERT INTO swipes%' LIMIT 1)
            SELECT round((s.total_exec_time * 1000 / n.calls)::numeric, 1) AS us_per_swipe,
                   round((s.calls::numeric / n.calls), 3) AS calls_per_swipe,
                   round((s.total_exec_time * 1000 / greatest(s.calls, 1))::numeric, 1) AS us_per_call,
                   left(regexp_replace(s.query, '\s+', ' ', 'g'), 110) AS query
              FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid, n
             WHERE d.datname = current_database() AND s.query NOT LIKE '%personality_recommend%'
             ORDER BY s.total_exec_time DESC LIMIT 40"
    done
fi
rm -f "$results" "$results.old" "$results.new" "$ext/personality_ext--$OLD_VERSION.sql"
cluster_stop bench_versions
