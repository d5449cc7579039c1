#!/usr/bin/env bash
# The swipe trigger's cost as a share of the same INSERT without it (issue 24): pgbench
# INSERTs of one swipe, with the learning trigger attached, against the same table
# detached, alternating in one run (ratio = trigger tps / no-trigger tps, per round;
# the medians are printed, with the server's CPU time per swipe).
#
# Tables: the seed's `swipes` (attached at CREATE EXTENSION) and `swipe_events`, attached
# with personality_attach_behavior. Workloads: random people of USERS at 1 client and at
# 16, and one person (user 1) who already has HEAVY swipes, at 1 client. Every user has
# a quiz profile; the product catalog is tests/fixtures/sample_data.sql.
#
#   BENCH_SKIP_INSTALL=1      use the installed build
#   ROUNDS=3 SECONDS_PER_RUN=8 PRODUCTS=10000 USERS=1000 HEAVY=5000
#   FSYNC=off                 off: CPU-bound, the strictest ratio; on: production durability
#   WORKLOADS="people:1 people:16 heavy:1"   TABLES="swipes swipe_events"
#   KEEP=1                    leave the cluster running (ROUNDS=0: set up only, to profile)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BENCH_TAG=swipe_ratio
source bench/lib.sh
bench_install
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-8}
PRODUCTS=${PRODUCTS:-10000}
USERS=${USERS:-1000}
HEAVY=${HEAVY:-5000}
FSYNC=${FSYNC:-off}
WORKLOADS=${WORKLOADS:-"people:1 people:16 heavy:1"}
TABLES=${TABLES:-"swipes swipe_events"}
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
cluster_start swipe_ratio $((PORT_BASE + 6))
[ "${KEEP:-}" = 1 ] || trap 'cluster_stop swipe_ratio' EXIT
psql -X -q -c "ALTER SYSTEM SET fsync = $FSYNC" -c "SELECT pg_reload_conf()" >/dev/null
P=(psql -X -q -v ON_ERROR_STOP=1 -d sr)
psql -X -q -c "CREATE DATABASE sr"
"${P[@]}" -f tests/fixtures/host_schema.sql
"${P[@]}" -v products="$PRODUCTS" -v users="$USERS" -f tests/fixtures/sample_data.sql
"${P[@]}" -c "CREATE EXTENSION personality_ext" 2>/dev/null
uid='00000000-0000-4000-d000-'
pid='00000000-0000-4000-c000-'
"${P[@]}" <<SQL
CREATE TABLE swipe_events (id bigserial PRIMARY KEY, user_id uuid NOT NULL, product_id uuid NOT NULL,
                           direction text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON swipe_events (user_id);
SELECT personality_attach_behavior('swipe_events');
-- every user takes the quiz (by a trait chosen from their number)
SELECT count(*) FROM (
  SELECT personality_assess(p.id,
           (SELECT jsonb_object_agg(q.question_id,
                     (SELECT o->>'value' FROM jsonb_array_elements(q.options) o
                       ORDER BY (o->'traits'->>(ARRAY['adventurous','intellectual','practical','creative','social'])[1 + (abs(hashtext(p.id::text)) % 5)])::numeric DESC NULLS LAST,
                                o->>'value' LIMIT 1))
              FROM personality_quiz_questions q), 200)
    FROM profiles p) x;
-- the heavy swiper: user 1 with HEAVY swipes in each table (learnt)
INSERT INTO swipes (user_id, product_id, direction)
SELECT '${uid}000000000001', ('${pid}' || lpad((1 + i % $PRODUCTS)::text, 12, '0'))::uuid,
       (ARRAY['right','left','up','down'])[1 + i % 4] FROM generate_series(1, $HEAVY) i;
INSERT INTO swipe_events (user_id, product_id, direction)
SELECT '${uid}000000000001', ('${pid}' || lpad((1 + (i * 7) % $PRODUCTS)::text, 12, '0'))::uuid,
       (ARRAY['right','left','up','down'])[1 + i % 4] FROM generate_series(1, $HEAVY) i;
VACUUM ANALYZE;
SQL
script() { # TABLE USERS: one swipe of a random person of 1..USERS
    cat <<SQL
\set u random(1, $2)
\set p random(1, $PRODUCTS)
\set d random(1, 4)
INSERT INTO $1 (user_id, product_id, direction)
VALUES (('${uid}' || lpad(:u::text, 12, '0'))::uuid, ('${pid}' || lpad(:p::text, 12, '0'))::uuid,
        (ARRAY['left','right','up','down'])[:d]);
SQL
}
attach() { "${P[@]}" -c "SELECT personality_attach_behavior('$1')" >/dev/null; }
detach() { "${P[@]}" -c "SELECT personality_detach_behavior('$1')" >/dev/null; }
: >"$OUT/swipe_ratio.tsv"
for r in $(seq 1 "$ROUNDS"); do
    for w in $WORKLOADS; do
        kind=${w%%:*} clients=${w#*:}
        users=$USERS
        [ "$kind" = heavy ] && users=1
        for t in $TABLES; do
            script "$t" "$users" >"$OUT/swipe_ratio.sql"
            # alternate which variant goes first
            if [ $((r % 2)) = 1 ]; then variants="trigger none"; else variants="none trigger"; fi
            for v in $variants; do
                if [ "$v" = none ]; then detach "$t"; else attach "$t"; fi
                "${P[@]}" -c "CHECKPOINT" >/dev/null
                c0=$(server_cpu "$PGHOST/data")
                pgbench -n -M prepared -c "$clients" -j 2 -T "$SECS" -f "$OUT/swipe_ratio.sql" sr >"$OUT/swipe_ratio.txt" 2>&1
                c1=$(server_cpu "$PGHOST/data")
                tps=$(awk '/^tps/ {print $3; exit}' "$OUT/swipe_ratio.txt")
                n=$(awk '/number of transactions actually processed/ {print $NF}' "$OUT/swipe_ratio.txt")
                cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.1f", (b - a) * 1e6 / n}')
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$w" "$t" "$v" "$tps" "$cpu" >>"$OUT/swipe_ratio.tsv"
                say "round $r $w $t $v: $tps tps, $cpu µs CPU/swipe"
            done
            attach "$t"
        done
    done
done
heavy_now=$("${P[@]}" -At -c "SELECT count(*) FROM swipes WHERE user_id = '${uid}000000000001'")
{
  echo "### Swipe trigger / no trigger, $ROUNDS rounds of ${SECS} s, fsync = $FSYNC"
  echo
  echo "$PRODUCTS products, $USERS people with quiz profiles; heavy = one person with $HEAVY swipes"
  echo "before the first run ($heavy_now in swipes at the end). Ratio: median of per-round ratios"
  echo "of tps (trigger / none); CPU: median µs of server CPU per swipe."
  echo
  echo "| workload | table | none tps | trigger tps | ratio (rounds) | CPU none | CPU trigger |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  python3 - "$OUT/swipe_ratio.tsv" <<'PY'
import sys, statistics as st, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
d = collections.defaultdict(dict)
for r, w, t, v, tps, cpu in rows:
    d[(w, t)].setdefault(v, {})[r] = (float(tps), float(cpu))
for (w, t), v in d.items():
    rounds = sorted(set(v.get("none", {})) & set(v.get("trigger", {})))
    ratios = [v["trigger"][r][0] / v["none"][r][0] for r in rounds]
    med = lambda xs: st.median(xs) if xs else float("nan")
    print(f"| {w.replace(':', ', ')} clients | {t} | {med([v['none'][r][0] for r in rounds]):.0f} | "
          f"{med([v['trigger'][r][0] for r in rounds]):.0f} | **{med(ratios):.2f}** "
          f"({', '.join(f'{x:.2f}' for x in ratios)}) | {med([v['none'][r][1] for r in rounds]):.0f} | "
          f"{med([v['trigger'][r][1] for r in rounds]):.0f} |")
PY
} | tee "$OUT/swipe_ratio.md"
