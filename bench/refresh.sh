#!/usr/bin/env bash
# The model refresh against its yardstick (issue 21), in one run on one cluster:
#   - the SQL co-like count: `SELECT count(*)` of the distinct co-liked pairs of the
#     current likes (each person's latest swipe of a product, right or up), from a
#     table of those likes made beforehand (not timed): what any SQL build of an
#     item-item model must at least do;
#   - personality_refresh_model(true), the full rebuild;
#   - personality_refresh_model(), incremental, after BENCH_REFRESH_NEW new swipes of
#     BENCH_REFRESH_NEW different people.
# Each is run BENCH_REFRESH_RUNS times (default 3); the medians and their ratios are
# reported. The swipes live in a table shaped like the real app's: swipe_interactions
# (user_id, product_id, swipe_direction, swipe_timestamp), attached with
# personality_attach_behavior; they are loaded with the learning trigger disabled (the
# refresh reads the table, not what the trigger learnt; the people have no profile).
#
# The world: BENCH_REFRESH_PRODUCTS products, BENCH_REFRESH_PEOPLE people,
# BENCH_REFRESH_SWIPES swipes. Person u's swipes: half in their taste cluster (u % 200;
# product n is in cluster n % 200), half by a popularity skew (n ~ N h^2); right when in
# their cluster or 1 time in 4, left otherwise. Deterministic (md5).
#
# Defaults: the issue's workload, 20,000 products, 1,000 people, 155,000 swipes, 1,000
# new. The large one: BENCH_REFRESH_PRODUCTS=100000 BENCH_REFRESH_PEOPLE=50000
# BENCH_REFRESH_SWIPES=1000000 BENCH_REFRESH_NEW=10000. Markdown to stdout and
# target/bench/refresh.md; cluster `benchrefresh` on port PERSONALITY_PORT_BASE + 6.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BENCH_TAG=refresh
source bench/lib.sh

PRODUCTS=${BENCH_REFRESH_PRODUCTS:-20000}
PEOPLE=${BENCH_REFRESH_PEOPLE:-1000}
SWIPES=${BENCH_REFRESH_SWIPES:-155000}
NEW=${BENCH_REFRESH_NEW:-1000}
RUNS=${BENCH_REFRESH_RUNS:-3}
OUT="$ROOT/target/bench/refresh"
mkdir -p "$OUT"
chmod a+rx "$ROOT/target/bench" "$OUT"

bench_install
cluster_start benchrefresh $((PORT_BASE + 6))
[ "${BENCH_REFRESH_KEEP:-}" = 1 ] || trap 'cluster_stop benchrefresh' EXIT
as_pg "$PGBIN/psql" -X -q -h "$PGHOST" -p "$PGPORT" -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$(cluster_dir benchrefresh)/data" -w restart >/dev/null
export PGHOST PGPORT
DB=bench_refresh
psql -X -q -d postgres -c "CREATE DATABASE $DB"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
ms() { # ms SQL: wall time of one statement in ms
    local t0 t1
    t0=$(date +%s%N)
    q -c "$1" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

q -f tests/fixtures/host_schema.sql >/dev/null
create_extension_pinned "$DB" "$OUT/so"
q -c "CREATE TABLE swipe_interactions (
          id bigserial PRIMARY KEY, user_id uuid NOT NULL, product_id uuid NOT NULL,
          swipe_direction text NOT NULL, swipe_timestamp timestamptz NOT NULL DEFAULT now());
      SELECT personality_attach_behavior('swipe_interactions');
      ALTER TABLE swipe_interactions DISABLE TRIGGER update_personality_from_swipes;
      CREATE FUNCTION bench_h(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
        \$\$ SELECT ('x' || substr(md5(k::text || '-' || salt), 1, 8))::bit(32)::bigint / 4294967296.0 \$\$;" >/dev/null
# swipe k (from..to) of person 1 + k % people
SWIPE_SQL="INSERT INTO swipe_interactions (user_id, product_id, swipe_direction, swipe_timestamp)
SELECT ('00000000-0000-4000-d000-' || lpad(x.u::text, 12, '0'))::uuid,
       ('00000000-0000-4000-c000-' || lpad(x.n::text, 12, '0'))::uuid,
       CASE WHEN x.n % 200 = x.u % 200 OR bench_h(x.k, 3) < 0.25 THEN 'right' ELSE 'left' END,
       :at + x.k * :step
  FROM (SELECT k, u,
               CASE WHEN k % 2 = 0
                    THEN (floor(bench_h(k, 1) * ($PRODUCTS / 200))::bigint * 200 + u % 200) % $PRODUCTS
                    ELSE floor(bench_h(k, 2) * bench_h(k, 2) * $PRODUCTS)::bigint END AS n
          FROM (SELECT k, 1 + k % :people AS u FROM generate_series(:from::bigint, :to::bigint) k) y) x"
load() { # load FROM TO PEOPLE AT [STEP]: swipe k dated AT + k STEP (default 1 ms)
    local sql=${SWIPE_SQL//:from/$1}
    local step=${5:-"interval '1 millisecond'"}
    sql=${sql//:step/$step}
    sql=${sql//:to/$2}
    sql=${sql//:people/$3}
    q -c "${sql//:at/$4}" >/dev/null
}
say "$SWIPES swipes of $PEOPLE people over $PRODUCTS products"
t0=$(date +%s)
for ((from = 1; from <= SWIPES; from += 200000)); do
    to=$((from + 199999))
    [ $to -gt "$SWIPES" ] && to=$SWIPES
    load "$from" "$to" "$PEOPLE" "now() - interval '60 days'"
done
q -c "VACUUM ANALYZE" >/dev/null
load_s=$(($(date +%s) - t0))
q -c "CREATE TABLE bench_likes AS
      SELECT user_id, product_id FROM (
          SELECT DISTINCT ON (user_id, product_id) user_id, product_id, swipe_direction
            FROM swipe_interactions ORDER BY user_id, product_id, swipe_timestamp DESC, id DESC) o
       WHERE swipe_direction IN ('right', 'up');
      ANALYZE bench_likes" >/dev/null
read -r nlikes npairs_hint < <(q -F ' ' -c "SELECT count(*), 0 FROM bench_likes")
COUNT_SQL="SELECT count(*) FROM (SELECT a.product_id AS i, b.product_id AS j FROM bench_likes a
             JOIN bench_likes b ON b.user_id = a.user_id AND b.product_id > a.product_id GROUP BY 1, 2) p"

counts=() fulls=() incs=()
say "first full refresh (warms the caches, not counted)"
q -c "SELECT personality_refresh_model(true)" >/dev/null
for ((r = 1; r <= RUNS; r++)); do
    say "run $r of $RUNS"
    counts+=("$(ms "$COUNT_SQL")")
    fulls+=("$(ms "SELECT personality_refresh_model(true)")")
    # NEW swipes of NEW different people (the first NEW people), dated now
    base=$((SWIPES + (r - 1) * NEW))
    load $((base + 1)) $((base + NEW)) "$NEW" "now()" "interval '0'"
    incs+=("$(ms "SELECT personality_refresh_model()")")
done
npairs=$(q -c "$COUNT_SQL")
full_json=$(q -c "SELECT personality_refresh_model(true) - 'swipes_until'")
load $((SWIPES + RUNS * NEW + 1)) $((SWIPES + (RUNS + 1) * NEW)) "$NEW" "now()" "interval '0'"
inc_json=$(q -c "SELECT personality_refresh_model() - 'swipes_until'")
sizes=$(q -c "SELECT (SELECT count(*) FROM personality_item_neighbours) || ' products with neighbours, '
                     || (SELECT round(avg(cardinality(neighbour_ids)), 1) FROM personality_item_neighbours) || ' each on average, '
                     || pg_size_pretty(pg_total_relation_size('personality_item_neighbours')) || ' of lists, '
                     || pg_size_pretty(pg_total_relation_size('personality_model_people')) || ' of opinions'")
c=$(printf '%s\n' "${counts[@]}" | median)
f=$(printf '%s\n' "${fulls[@]}" | median)
i=$(printf '%s\n' "${incs[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "NA" }'; }
{
    echo "### bench/refresh.sh ($(date -u +%F), $(nproc) cores, PostgreSQL $PG_MAJOR)"
    echo
    echo "- $PRODUCTS products, $PEOPLE people, $SWIPES swipes in swipe_interactions (loaded in ${load_s} s), $nlikes current likes, $npairs co-liked pairs"
    echo "- model: $sizes"
    echo
    echo "| $RUNS runs, ms | each run | median | ratio |"
    echo "|---|---|---:|---:|"
    echo "| SQL co-like count (yardstick) | ${counts[*]} | $c | 1 |"
    echo "| \`personality_refresh_model(true)\` (full) | ${fulls[*]} | $f | **$(ratio "$f" "$c")** of the count |"
    echo "| \`personality_refresh_model()\` after $NEW swipes of $NEW people | ${incs[*]} | $i | **$(ratio "$i" "$f")** of full |"
    echo
    echo "- full: \`$full_json\`"
    echo "- incremental: \`$inc_json\`"
} | tee "$OUT/../refresh.md"
