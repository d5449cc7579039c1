#!/usr/bin/env bash
# Load test at the seed's pool size: 20 + 15 overflow = 35 clients mixing swipe
# inserts, profile reads and recommendation calls (issue: operations). Prints a
# markdown table and writes it to target/bench/load.md.
#
#   BENCH_SKIP_INSTALL=1      use the installed build
#   LOAD_PRODUCTS=100000      catalog size
#   LOAD_USERS=1000           users (all with quiz profiles)
#   LOAD_SECONDS=30           duration of each run
#   LOAD_CLIENTS=35           pgbench clients
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/lib.sh
BENCH_TAG=load
source bench/lib.sh
bench_install
PRODUCTS=${LOAD_PRODUCTS:-100000}
USERS=${LOAD_USERS:-1000}
SECONDS_=${LOAD_SECONDS:-30}
CLIENTS=${LOAD_CLIENTS:-35}
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
cluster_start load 5489
trap 'cluster_stop load' EXIT
echo "max_connections = 60" >>"$PGHOST/data/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -w restart -l "$PGHOST/server.log" >/dev/null
P=(psql -X -q -v ON_ERROR_STOP=1 -d load)
psql -X -q -c "CREATE DATABASE load"
"${P[@]}" -f tests/fixtures/host_schema.sql
"${P[@]}" -v products="$PRODUCTS" -v users="$USERS" -f tests/fixtures/sample_data.sql
"${P[@]}" -c "CREATE EXTENSION personality_ext" 2>/dev/null
# every user takes the quiz, answering by a trait chosen from their number
"${P[@]}" <<SQL
SELECT count(*) FROM (
  SELECT personality_assess(p.id,
           (SELECT jsonb_object_agg(q.question_id,
                     (SELECT o->>'value' FROM jsonb_array_elements(q.options) o
                       ORDER BY (o->'traits'->>(ARRAY['adventurous','intellectual','practical','creative','social'])[1 + (abs(hashtext(p.id::text)) % 5)])::numeric DESC NULLS LAST,
                                o->>'value' LIMIT 1))
              FROM personality_quiz_questions q), 200)
    FROM profiles p) x;
VACUUM ANALYZE;
SQL
uid='00000000-0000-4000-d000-'
cat >"$OUT/load_swipe.sql" <<SQL
\set u random(1, $USERS)
\set p random(1, $PRODUCTS)
\set d random(0, 3)
INSERT INTO swipes (user_id, product_id, direction)
VALUES (('${uid}' || lpad(:u::text, 12, '0'))::uuid, ('00000000-0000-4000-c000-' || lpad(:p::text, 12, '0'))::uuid,
        (ARRAY['right','left','up','down'])[:d + 1]);
SQL
cat >"$OUT/load_read.sql" <<SQL
\set u random(1, $USERS)
SELECT primary_type, personality_scores, confidence_level FROM personality_profiles
 WHERE user_id = ('${uid}' || lpad(:u::text, 12, '0'))::uuid;
SQL
cat >"$OUT/load_recommend.sql" <<SQL
\set u random(1, $USERS)
SELECT count(*) FROM personality_recommend(('${uid}' || lpad(:u::text, 12, '0'))::uuid, 20);
SQL
rm -f "$OUT"/pgbench_log.*
(cd "$OUT" && pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_" -l \
    -f load_swipe.sql@5 -f load_read.sql@4 -f load_recommend.sql@1 load >"$OUT/load_pgbench.txt" 2>&1)
tps=$(grep -E "^tps" "$OUT/load_pgbench.txt" | head -1 | awk '{print $3}')
# per-script latency percentiles from the transaction logs (column 4 = script number, 3 = latency in µs)
cat "$OUT"/pgbench_log.* | awk '{print $4, $3}' | sort -k1,1n -k2,2n | awk '
  { lat[$1] = lat[$1] " " $2; n[$1]++ }
  END {
    names[0] = "swipe insert"; names[1] = "profile read"; names[2] = "personality_recommend(user, 20)";
    for (s = 0; s < 3; s++) {
      split(substr(lat[s], 2), v, " ");
      c = n[s]; if (c == 0) continue;
      printf "| %s | %d | %.2f | %.2f | %.2f |\n", names[s], c, v[int(c*0.5)+1]/1000, v[int(c*0.95)+1]/1000, v[int(c*0.99)+1]/1000
    }
  }' >"$OUT/load_rows.md"
{
  echo "### Load: $CLIENTS clients (seed pool 20 + 15), ${SECONDS_}s, $PRODUCTS products, $USERS users"
  echo
  echo "Mix: 50% swipe inserts (native learning trigger), 40% profile reads, 10% recommendation calls. Total: **$tps tps**."
  echo
  echo "| transaction | count | p50 ms | p95 ms | p99 ms |"
  echo "|---|---|---|---|---|"
  cat "$OUT/load_rows.md"
} | tee "$OUT/load.md"
rm -f "$OUT"/pgbench_log.*
