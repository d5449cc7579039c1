#!/usr/bin/env bash
# Load test at the seed's pool size: 20 + 15 overflow = 35 clients mixing swipe
# inserts, profile reads and recommendation calls (issue: operations; issue 24).
# The model is refreshed before the load (after LOAD_PRESWIPES swipes per person) and
# once during each closed-loop run, so that the hybrid engine does its collaborative
# work while it is measured. Each round runs both engines back to back, the hybrid
# (default) and the content engine (`personality.hybrid_share = 0`), first closed loop
# (LOAD_CLIENTS clients as fast as they go), then open loop (`pgbench -R` at
# LOAD_RATE_SHARE of the round's first closed-loop tps). Prints a markdown table and
# writes it to target/bench/load.md.
#
#   BENCH_SKIP_INSTALL=1      use the installed build
#   LOAD_PRODUCTS=100000      catalog size
#   LOAD_USERS=1000           users (all with quiz profiles)
#   LOAD_PRESWIPES=20         swipes per user before the first refresh
#   LOAD_SECONDS=30           duration of each run
#   LOAD_CLIENTS=35           pgbench clients
#   LOAD_ROUNDS=1             rounds (each: both engines, closed then open loop)
#   LOAD_RATE_SHARE=0.5       open-loop rate as a share of the closed loop's tps
#   LOAD_OPEN=1               0 skips the open-loop runs
#   LOAD_KEEP=1               leave the cluster running afterwards (for profiling)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/lib.sh
BENCH_TAG=load
source bench/lib.sh
bench_install
PRODUCTS=${LOAD_PRODUCTS:-100000}
USERS=${LOAD_USERS:-1000}
PRESWIPES=${LOAD_PRESWIPES:-20}
SECONDS_=${LOAD_SECONDS:-30}
CLIENTS=${LOAD_CLIENTS:-35}
ROUNDS=${LOAD_ROUNDS:-1}
RATE_SHARE=${LOAD_RATE_SHARE:-0.5}
OPEN=${LOAD_OPEN:-1}
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
cluster_start load $((PORT_BASE + 8))
[ "${LOAD_KEEP:-}" = 1 ] || trap 'cluster_stop load' EXIT
echo "max_connections = 60" >>"$PGHOST/data/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -w restart -l "$PGHOST/server.log" >/dev/null
P=(psql -X -q -v ON_ERROR_STOP=1 -d load)
psql -X -q -c "CREATE DATABASE load"
"${P[@]}" -f tests/fixtures/host_schema.sql
"${P[@]}" -v products="$PRODUCTS" -v users="$USERS" -f tests/fixtures/sample_data.sql
"${P[@]}" -c "CREATE EXTENSION personality_ext" 2>/dev/null
uid='00000000-0000-4000-d000-'
pid='00000000-0000-4000-c000-'
# every user takes the quiz, answering by a trait chosen from their number; then
# PRESWIPES swipes each (learnt by the statement trigger), and the first refresh
say "quiz, $PRESWIPES swipes per user, first model refresh"
"${P[@]}" <<SQL
SELECT count(*) FROM (
  SELECT personality_assess(p.id,
           (SELECT jsonb_object_agg(q.question_id,
                     (SELECT o->>'value' FROM jsonb_array_elements(q.options) o
                       ORDER BY (o->'traits'->>(ARRAY['adventurous','intellectual','practical','creative','social'])[1 + (abs(hashtext(p.id::text)) % 5)])::numeric DESC NULLS LAST,
                                o->>'value' LIMIT 1))
              FROM personality_quiz_questions q), 200)
    FROM profiles p) x;
INSERT INTO swipes (user_id, product_id, direction)
SELECT ('${uid}' || lpad(u::text, 12, '0'))::uuid,
       ('${pid}' || lpad((1 + (u * 7919 + i * 104729) % $PRODUCTS)::text, 12, '0'))::uuid,
       (ARRAY['right','left','up','down'])[1 + (u + i) % 4]
  FROM generate_series(1, $USERS) u, generate_series(1, $PRESWIPES) i;
VACUUM ANALYZE;
SQL
refresh() { psql -X -q -At -d load -c "SELECT (personality_refresh_model() ->> 'duration_ms')" 2>&1 | tail -1; }
t0=$(date +%s.%N)
refresh >/dev/null
say "first refresh: $(echo "$(date +%s.%N) - $t0" | bc) s"
cat >"$OUT/load_swipe.sql" <<SQL
\set u random(1, $USERS)
\set p random(1, $PRODUCTS)
\set d random(0, 3)
INSERT INTO swipes (user_id, product_id, direction)
VALUES (('${uid}' || lpad(:u::text, 12, '0'))::uuid, ('${pid}' || lpad(:p::text, 12, '0'))::uuid,
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

# run ENGINE MODE [RATE]: one pgbench run; appends a row per transaction type to
# $OUT/load_rows.md. A closed-loop run refreshes the model once, a third of the way in.
run() {
    local engine=$1 mode=$2 rate=${3:-} opts="" extra=() tps rpid="" rs
    [ "$engine" = content-0.2 ] && opts="-c personality.hybrid_share=0"
    [ "$mode" = open ] && extra=(-R "$rate")
    rm -f "$OUT"/pgbench_log.*
    if [ "$mode" = closed ]; then
        (sleep $((SECONDS_ / 3)); s=$(date +%s.%N); refresh >/dev/null
         echo "$(date +%s.%N) - $s" | bc >"$OUT/load_refresh_s") &
        rpid=$!
    fi
    (cd "$OUT" && PGOPTIONS="$opts" pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_" -l "${extra[@]}" \
        -f load_swipe.sql@5 -f load_read.sql@4 -f load_recommend.sql@1 load >"$OUT/load_pgbench.txt" 2>&1)
    rs=""
    if [ -n "$rpid" ]; then wait "$rpid"; rs=$(printf '%.1f' "$(cat "$OUT/load_refresh_s")"); fi
    tps=$(grep -E "^tps" "$OUT/load_pgbench.txt" | head -1 | awk '{printf "%.0f", $3}')
    LAST_TPS=$tps
    # per-script latency percentiles from the transaction logs (column 4 = script
    # number, 3 = latency in µs; with -R it counts from the scheduled start)
    cat "$OUT"/pgbench_log.* | awk '{print $4, $3}' | sort -k1,1n -k2,2n | awk \
        -v r="$round" -v e="$engine" -v m="$mode${rate:+ $rate/s}" -v tps="$tps" -v rs="$rs" '
      { lat[$1] = lat[$1] " " $2; n[$1]++ }
      END {
        names[0] = "swipe"; names[1] = "profile read"; names[2] = "recommend";
        for (s = 0; s < 3; s++) {
          split(substr(lat[s], 2), v, " ");
          c = n[s]; if (c == 0) continue;
          printf "| %s | %s | %s | %s | %s | %d | %.2f | %.2f | %.2f | %s |\n", r, e, m, names[s], tps, c,
            v[int(c*0.5)+1]/1000, v[int(c*0.95)+1]/1000, v[int(c*0.99)+1]/1000, (s == 2 ? rs : "")
        }
      }' | tee -a "$OUT/load_rows.md" >&2
    rm -f "$OUT"/pgbench_log.*
}
: >"$OUT/load_rows.md"
for round in $(seq 1 "$ROUNDS"); do
    rate=""
    # alternate which engine goes first
    if [ $((round % 2)) = 1 ]; then engines="hybrid-0.3 content-0.2"; else engines="content-0.2 hybrid-0.3"; fi
    for e in $engines; do
        say "round $round: $e, closed loop"
        run "$e" closed
        [ -z "$rate" ] && rate=$(awk -v t="$LAST_TPS" -v s="$RATE_SHARE" 'BEGIN {printf "%d", t * s}')
    done
    if [ "$OPEN" = 1 ]; then
        for e in $engines; do
            say "round $round: $e, open loop at $rate tps"
            run "$e" open "$rate"
        done
    fi
done
{
  echo "### Load: $CLIENTS clients (seed pool 20 + 15), ${SECONDS_}s per run, $PRODUCTS products, $USERS users"
  echo
  echo "Mix: 50% swipe inserts (native learning trigger), 40% profile reads, 10% recommendation"
  echo "calls; $PRESWIPES swipes per user and a model refresh before the load, and one refresh"
  echo "a third into each closed-loop run (its seconds in the last column). Open loop: \`pgbench -R\`"
  echo "at $RATE_SHARE of the round's first closed-loop tps (latency from the scheduled start)."
  echo
  echo "| round | engine | loop | transaction | tps | count | p50 ms | p95 ms | p99 ms | refresh s |"
  echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|"
  cat "$OUT/load_rows.md"
} | tee "$OUT/load.md"
