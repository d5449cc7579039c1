#!/usr/bin/env bash
# The hybrid recommender at scale (issue 14): personality_refresh_model() time and
# personality_recommend() latency for a person with 500 swipes, against the 0.2.0
# content ranker (personality.hybrid_share = 0) in the same run.
#
# A fresh database: the host schema, BENCH_MODEL_PRODUCTS products
# (bench/recommend_catalog.sql), CREATE EXTENSION, BENCH_MODEL_USERS users, then
# BENCH_MODEL_SWIPES swipes loaded in statements of 100,000 rows with the learning
# trigger disabled (the model reads the swipe table, not what the trigger learnt; the
# trigger's own throughput is bench/run.sh's business), then the trigger enabled for
# person 1's swipes and one swipe each of people 2..201 (their behaviour profiles):
# person u likes products of taste cluster u % 200 (a product's cluster is its hash
# % 200) and products by a popularity skew, dislikes the rest (about 60 % likes).
# Person 1 has 500 swipes. Then:
#   - personality_refresh_model(true) (full build) and, after 10,000 more swipes,
#     personality_refresh_model() (incremental), timed;
#   - pgbench -M prepared, 1 client, BENCH_MODEL_SECONDS s (after a warm-up) of
#     SELECT count(*) FROM personality_recommend(person 1, 20), hybrid and content-0.2,
#     and of a random person with fewer swipes (hybrid), each engine also with
#     personality.cache_mb = 0 (no per-connection copies); p50 / p95 / p99 nearest-rank.
# Markdown to stdout and target/bench/model.md. Cluster `benchmodel` on port
# PERSONALITY_PORT_BASE + 7 (5497 by default), stopped on exit.
#
# Environment: BENCH_MODEL_PRODUCTS=100000 BENCH_MODEL_USERS=50000
# BENCH_MODEL_SWIPES=1000000 BENCH_MODEL_SECONDS=20 BENCH_SKIP_INSTALL=1 BENCH_MODEL_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BENCH_TAG=model
source bench/lib.sh

PRODUCTS=${BENCH_MODEL_PRODUCTS:-100000}
USERS=${BENCH_MODEL_USERS:-50000}
SWIPES=${BENCH_MODEL_SWIPES:-1000000}
SECONDS_RUN=${BENCH_MODEL_SECONDS:-20}
OUT="$ROOT/target/bench/model"
mkdir -p "$OUT"
chmod a+rx "$ROOT/target/bench" "$OUT"

bench_install
cluster_start benchmodel $((PORT_BASE + 7))
# BENCH_MODEL_KEEP=1 leaves the cluster running (profiling against the loaded data)
[ "${BENCH_MODEL_KEEP:-}" = 1 ] || trap 'cluster_stop benchmodel' EXIT
as_pg "$PGBIN/psql" -X -q -h "$PGHOST" -p "$PGPORT" -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$(cluster_dir benchmodel)/data" -w restart >/dev/null
export PGHOST PGPORT
DB=bench_model
psql -X -q -d postgres -c "CREATE DATABASE $DB"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
ms() { # ms SQL: wall time of one statement in ms
    local t0 t1
    t0=$(date +%s%N)
    q -c "$1" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

say "catalog of $PRODUCTS products"
q -f tests/fixtures/host_schema.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v products="$PRODUCTS" -f bench/recommend_catalog.sql >/dev/null
create_extension_pinned "$DB" "$OUT/so"
q -c "ALTER TABLE swipes DISABLE TRIGGER update_personality_from_swipes" >/dev/null
q -c "INSERT INTO profiles (id, email, display_name)
      SELECT ('00000000-0000-4000-d000-' || lpad(g::text, 12, '0'))::uuid, 'm' || g || '@example.com', 'M ' || g
        FROM generate_series(1, $USERS) g"
q -c "CREATE TABLE bench_products AS
      SELECT row_number() OVER (ORDER BY product_id) AS n, product_id,
             (('x' || substr(md5(product_id::text), 1, 8))::bit(32)::bigint % 200) AS cluster
        FROM personality_product_vectors;
      CREATE INDEX ON bench_products (n); CREATE INDEX ON bench_products (cluster, n);
      ANALYZE bench_products"
# swipe j of person u: half from their cluster, half by a popularity skew (n^2 law)
SWIPE_SQL="INSERT INTO swipes (user_id, product_id, direction, created_at)
SELECT ('00000000-0000-4000-d000-' || lpad(s.u::text, 12, '0'))::uuid, p.product_id,
       CASE WHEN p.cluster = s.u % 200 OR s.h2 < 0.25 THEN 'right' ELSE 'left' END,
       :at
  FROM (SELECT k, u, j, bench_h(k, 7) AS h1, bench_h(k, 11) AS h2
          FROM (SELECT k, 1 + (k % :users) AS u, k / :users AS j FROM generate_series(:from, :to) k) x) s
  JOIN LATERAL (
       (SELECT b.product_id, b.cluster FROM bench_products b
         WHERE s.j % 2 = 0 AND b.cluster = s.u % 200 AND b.n >= 1 + floor(s.h1 * :products)::bigint
         ORDER BY b.cluster, b.n LIMIT 1)
       UNION ALL
       (SELECT b.product_id, b.cluster FROM bench_products b
         WHERE s.j % 2 = 1 AND b.n = 1 + floor(s.h1 * s.h1 * :products)::bigint LIMIT 1)) p ON true"
load_swipes() { # load_swipes FROM TO [AT]: swipe k dated AT (default 30 days ago + k s)
    local at=${3:-"now() - interval '30 days' + s.k * interval '1 second'"}
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v from="$1" -v to="$2" -v users="$USERS" -v products="$PRODUCTS" \
        -c "$(echo "$SWIPE_SQL" | sed "s/:from/$1/; s/:to/$2/; s/:users/$USERS/g; s/:products/$PRODUCTS/g; s/:at/$at/")" >/dev/null
}
say "$SWIPES swipes of $USERS people (learning trigger disabled)"
t0=$(date +%s)
for ((from = 1; from <= SWIPES; from += 100000)); do
    to=$((from + 99999))
    [ $to -gt "$SWIPES" ] && to=$SWIPES
    load_swipes "$from" "$to"
done
q -c "ALTER TABLE swipes ENABLE TRIGGER update_personality_from_swipes" >/dev/null
# people 2..201: one more swipe each, learnt (a profile to recommend for)
q -c "INSERT INTO swipes (user_id, product_id, direction, created_at)
      SELECT ('00000000-0000-4000-d000-' || lpad(g::text, 12, '0'))::uuid, b.product_id, 'right', now() - interval '1 day'
        FROM generate_series(2, 201) g JOIN bench_products b ON b.n = 1 + floor(bench_h(g, 77) * $PRODUCTS)::bigint" >/dev/null
# person 1: 500 swipes in all
extra=$((500 - $(q -c "SELECT count(*) FROM swipes WHERE user_id = '00000000-0000-4000-d000-000000000001'")))
if [ "$extra" -gt 0 ]; then
    q -c "INSERT INTO swipes (user_id, product_id, direction, created_at)
          SELECT '00000000-0000-4000-d000-000000000001', b.product_id,
                 CASE WHEN b.cluster = 1 OR g % 4 = 0 THEN 'right' ELSE 'left' END, now() - interval '1 day' + g * interval '1 second'
            FROM generate_series(1, $extra) g
            JOIN bench_products b ON b.n = 1 + floor(bench_h(g, 99) * $PRODUCTS)::bigint" >/dev/null
fi
load_s=$(($(date +%s) - t0))
q -c "VACUUM ANALYZE" >/dev/null
read -r nswipes nlikes < <(q -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE direction = 'right') FROM swipes")
say "refresh (full)"
full_ms=$(ms "SELECT personality_refresh_model(true)")
full_json=$(q -c "SELECT to_jsonb(s) - 'popular_ids' FROM personality_model_state s")
ranker_json=$(q -c "SELECT to_jsonb(s) FROM personality_ranker_state s")
say "10,000 more swipes, refresh (incremental)"
# new swipes are dated now (after the mark): older ones would make it a full rebuild
load_swipes $((SWIPES + 1)) $((SWIPES + 10000)) "now()"
inc_ms=$(ms "SELECT personality_refresh_model()")
inc_json=$(q -c "SELECT to_jsonb(s) - 'popular_ids' FROM personality_model_state s")
say "refresh (full, over the existing model)"
full2_ms=$(ms "SELECT personality_refresh_model(true)")
sizes=$(q -c "SELECT pg_size_pretty(pg_total_relation_size('personality_item_neighbours')) || ' neighbours, '
                     || pg_size_pretty(pg_total_relation_size('personality_item_stats')) || ' stats, '
                     || (SELECT count(*) FROM personality_item_neighbours) || ' products with neighbours, '
                     || (SELECT round(avg(cardinality(neighbour_ids)), 1) FROM personality_item_neighbours) || ' neighbours each on average'")
q -c "VACUUM ANALYZE" >/dev/null

heavy=00000000-0000-4000-d000-000000000001
echo "SELECT count(*) FROM personality_recommend('$heavy', 20);" >"$OUT/heavy.pgbench"
printf '\\set u random(2, 201)\nSELECT count(*) FROM personality_recommend((%s || lpad(:u::text, 12, %s))::uuid, 20);\n' \
    "'00000000-0000-4000-d000-'" "'0'" >"$OUT/random.pgbench"
chmod a+r "$OUT"/*.pgbench
pct() { # pct LOGDIR: p50 p95 p99 in ms of a pgbench -l log
    cat "$1"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
        p50=a[int(NR*0.50+0.999)]; p95=a[int(NR*0.95+0.999)]; p99=a[int(NR*0.99+0.999)];
        printf "%.2f %.2f %.2f %d\n", p50/1000, p95/1000, p99/1000, NR}'
}
bench() { # bench NAME SCRIPT PGOPTIONS
    local dir="$OUT/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod a+rwx "$dir"
    (cd "$dir" && PGOPTIONS=$3 pgbench -n -M prepared -f "$2" -c 1 -T 3 "$DB" >/dev/null 2>&1)
    rm -f "$dir"/pgbench_log.*
    (cd "$dir" && PGOPTIONS=$3 pgbench -n -M prepared -l -f "$2" -c 1 -T "$SECONDS_RUN" "$DB" >"$dir/out" 2>&1)
    pct "$dir"
}
say "pgbench"
read -r h50 h95 h99 hn < <(bench hybrid "$OUT/heavy.pgbench" "")
read -r c50 c95 c99 cn < <(bench content "$OUT/heavy.pgbench" "-c personality.hybrid_share=0")
read -r n50 n95 n99 nn < <(bench hybrid_nocopies "$OUT/heavy.pgbench" "-c personality.cache_mb=0")
read -r r50 r95 r99 rn < <(bench random "$OUT/random.pgbench" "")
read -r rn50 rn95 rn99 rnn < <(bench random_nocopies "$OUT/random.pgbench" "-c personality.cache_mb=0")
read -r rc50 rc95 rc99 rcn < <(bench random_content "$OUT/random.pgbench" "-c personality.hybrid_share=0")
avg_sw=$(q -c "SELECT round(count(*)::numeric / count(DISTINCT user_id), 1) FROM swipes")

{
    echo "### bench/model.sh ($(date -u +%F), $(nproc) cores, shared machine)"
    echo
    echo "- $PRODUCTS products, $USERS people, $nswipes swipes ($nlikes right) loaded in ${load_s} s; $avg_sw swipes per person on average; person 1 has 500"
    echo "- model: $sizes"
    echo "- \`personality_refresh_model(true)\` (full build): **$full_ms ms**; after 10,000 more swipes \`personality_refresh_model()\` (incremental): **$inc_ms ms**; full again over that model: **$full2_ms ms**"
    echo "  - full: \`$full_json\`"
    echo "  - the ranker's training in the full refresh (issue 23): \`$ranker_json\`"
    echo "  - incremental: \`$inc_json\`"
    echo
    echo "| personality_recommend(user, 20), 1 client, ${SECONDS_RUN} s | calls | p50 ms | p95 ms | p99 ms |"
    echo "|---|---|---|---|---|"
    echo "| person with 500 swipes, hybrid-0.3 | $hn | $h50 | $h95 | $h99 |"
    echo "| person with 500 swipes, hybrid-0.3 without per-connection copies (personality.cache_mb = 0) | $nn | $n50 | $n95 | $n99 |"
    echo "| person with 500 swipes, content-0.2 (baseline, same run) | $cn | $c50 | $c95 | $c99 |"
    echo "| random person of 2..201 (about 20 swipes), hybrid-0.3 | $rn | $r50 | $r95 | $r99 |"
    echo "| random person, hybrid-0.3 without copies | $rnn | $rn50 | $rn95 | $rn99 |"
    echo "| random person, content-0.2 | $rcn | $rc50 | $rc95 | $rc99 |"
} | tee "$OUT/../model.md"
