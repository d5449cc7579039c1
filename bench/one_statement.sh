#!/usr/bin/env bash
# One INSERT of N swipes of one person (issue 20, point 8): the cost of the swipe
# trigger against the same INSERT into a table without it, in the 'row' and the
# 'statement' modes of personality_attach_behavior. Each INSERT runs in a transaction
# that is rolled back, so every run starts from the same state (the person has a
# profile from the quiz and no learning state yet).
#
#   bash bench/one_statement.sh                    N = 2500 10000, PostgreSQL 17
#   PG_MAJOR=16 BENCH_N="1000 10000 100000" bash bench/one_statement.sh
#   BENCH_SKIP_INSTALL=1 ...                       use the installed build
#
# Prints one line per (mode, N): milliseconds, best of BENCH_REPEAT (default 3), and
# the ratio to the trigger-less INSERT of the same N. The target (README
# "Behaviour learning"): N swipes cost O(N); 10,000 take <= 10x the trigger-less time.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-17}
source scripts/lib.sh
use_major "$PG_MAJOR"
source bench/lib.sh
BENCH_TAG=one_statement
N_LIST=${BENCH_N:-2500 10000}
REPEAT=${BENCH_REPEAT:-3}

bench_install
cluster_start bench-one $((PORT_BASE + 7))
trap 'cluster_stop bench-one' EXIT
DB=personality_one_statement
psql -X -q -c "CREATE DATABASE $DB"
run() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
run -f tests/fixtures/host_schema.sql
sed -e 's/:products/2000/' -e 's/:users/2/' tests/fixtures/sample_data.sql | run
run -c "CREATE EXTENSION personality_ext" 2>/dev/null
run <<'SQL'
CREATE TABLE swipes_stmt (LIKE swipes INCLUDING DEFAULTS);
CREATE TABLE swipes_plain (LIKE swipes INCLUDING DEFAULTS);
SELECT personality_attach_behavior('swipes_stmt', 'direction', 'statement');
SELECT 1 FROM personality_assess('00000000-0000-4000-d000-000000000001',
  (SELECT jsonb_object_agg(question_id, options->0->>'value') FROM personality_quiz_questions WHERE is_active));
SQL

# ms TABLE N: milliseconds of one INSERT of N swipes of user 1 into TABLE (rolled back)
ms() {
    run -At <<SQL | tail -1
-- load the library first, as a pooled connection has (see README "Behaviour learning")
SELECT _personality_state_slot('evidence') \gset
BEGIN;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO $1 (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000001',
       ('00000000-0000-4000-c000-' || lpad((1 + g % 2000)::text, 12, '0'))::uuid,
       (ARRAY['left','right','up','down'])[1 + g % 4]
  FROM generate_series(1, $2) g;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
ROLLBACK;
SQL
}
best() {
    local b="" t i
    for i in $(seq "$REPEAT"); do
        t=$(ms "$1" "$2")
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
}

printf '%-10s %8s %10s %8s\n' mode N ms ratio
for n in $N_LIST; do
    base=$(best swipes_plain "$n")
    printf '%-10s %8s %10s %8s\n' none "$n" "$base" 1.0
    for t in swipes:row swipes_stmt:statement; do
        v=$(best "${t%%:*}" "$n")
        printf '%-10s %8s %10s %8s\n' "${t##*:}" "$n" "$v" \
            "$(awk -v a="$v" -v b="$base" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
    done
done
