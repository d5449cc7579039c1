#!/usr/bin/env bash
# The cost of honouring the host's row-level security on products (issue 20 point 2):
# personality_recommend called as `authenticated` (PostgREST's way: SET ROLE, the user
# in request.jwt.claims) on one catalog, in rounds that alternate three states of the
# host's products table, so every state sees the same machine load:
#   none     RLS disabled (nothing to filter: the cost must be nil)
#   all      RLS enabled, a policy that shows every product
#   quarter  RLS enabled, a policy that shows a quarter of the products
# Reports per state the median over rounds of each round's p50 and p95, and the ratio
# to `none` in the same run. Writes target/bench/host_rls.md.
#
#   bash bench/host_rls.sh                          20,000 products, 200 users, 5 rounds
#   BENCH_RLS_PRODUCTS=100000 BENCH_RLS_ROUNDS=3 BENCH_RLS_SECONDS=10 bash bench/host_rls.sh
#   BENCH_SKIP_INSTALL=1 ...                        use the installed build
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh
BENCH_TAG=host_rls
PRODUCTS=${BENCH_RLS_PRODUCTS:-20000}
USERS=${BENCH_RLS_USERS:-200}
ROUNDS=${BENCH_RLS_ROUNDS:-5}
SECONDS_PER=${BENCH_RLS_SECONDS:-8}
CLIENTS=${BENCH_RLS_CLIENTS:-1}
OUT=$ROOT/target/bench/host_rls-raw
REPORT=$ROOT/target/bench/host_rls.md
rm -rf "$OUT"
mkdir -p "$OUT"
chmod a+rx "$OUT" "$ROOT/target/bench"

bench_install
trap 'cluster_stop benchrls' EXIT
cluster_start benchrls $((PORT_BASE + 6))
DB=rls
psql -X -q -c "CREATE DATABASE $DB"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d "$DB")
"${PSQL[@]}" -f tests/fixtures/host_schema.sql
say "catalog of $PRODUCTS products, $USERS users"
"${PSQL[@]}" -v products="$PRODUCTS" -f bench/recommend_catalog.sql
create_extension_pinned "$DB" "$OUT/lib"
"${PSQL[@]}" -v users="$USERS" -v quiz_noise=0.25 -f bench/recommend_users.sql >/dev/null
"${PSQL[@]}" -v every=4 -v swipes=40 -v products="$PRODUCTS" -f bench/recommend_swipes.sql >/dev/null
"${PSQL[@]}" -c "SELECT personality_refresh_model(true)" >/dev/null
"${PSQL[@]}" <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT SELECT ON products TO authenticated;
GRANT EXECUTE ON FUNCTION personality_recommend(uuid, int, text, text, numeric) TO authenticated;
VACUUM ANALYZE;
SQL

uid="('00000000-0000-4000-d000-' || lpad(:uid::text, 12, '0'))"
cat >"$OUT/rec.pgbench" <<SCRIPT
\set uid random(1, $USERS)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "' || $uid || '"}', true);
SELECT count(*) FROM personality_recommend($uid::uuid, 20);
END;
SCRIPT
chmod a+r "$OUT/rec.pgbench"

state() {
    local policy="DROP POLICY IF EXISTS bench_all ON products; DROP POLICY IF EXISTS bench_quarter ON products;"
    case $1 in
    none) "${PSQL[@]}" -c "$policy ALTER TABLE products DISABLE ROW LEVEL SECURITY" ;;
    all) "${PSQL[@]}" -c "$policy ALTER TABLE products ENABLE ROW LEVEL SECURITY;
                          CREATE POLICY bench_all ON products FOR SELECT TO authenticated USING (true)" ;;
    quarter) "${PSQL[@]}" -c "$policy ALTER TABLE products ENABLE ROW LEVEL SECURITY;
                              CREATE POLICY bench_quarter ON products FOR SELECT TO authenticated USING (hashtext(id::text) % 4 = 0)" ;;
    esac
}

pct() { sort -g | awk -v p="$1" '{a[NR] = $1} END { if (NR == 0) { print "NA"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print a[i] }'; }
for r in $(seq 1 "$ROUNDS"); do
    for s in none all quarter; do
        state "$s" >/dev/null
        say "round $r: $s, ${SECONDS_PER} s"
        (cd "$OUT" && PGOPTIONS="-c role=authenticated" pgbench -n -M prepared -f rec.pgbench -c "$CLIENTS" -T "$SECONDS_PER" \
            -l --log-prefix="$s-$r" "$DB" >"$s-$r.out" 2>"$s-$r.err") || { cat "$OUT/$s-$r.err" >&2; exit 1; }
        cat "$OUT/$s-$r".[0-9]* | awk '{print $3}' >"$OUT/$s-$r.lat"
        rm -f "$OUT/$s-$r".[0-9]*
        echo "$(pct 50 <"$OUT/$s-$r.lat") $(pct 95 <"$OUT/$s-$r.lat")" >"$OUT/$s-$r.pct"
    done
done

med() { for r in $(seq 1 "$ROUNDS"); do cut -d' ' -f"$2" "$OUT/$1-$r.pct"; done | median; }
base50=$(med none 1)
base95=$(med none 2)
{
    echo "# Host RLS on products: recommend cost, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- $(nproc) CPUs; PostgreSQL $(psql -X -At -c 'SHOW server_version'); git $(git describe --always --dirty 2>/dev/null || echo unknown); build $SO_ID"
    echo "- $PRODUCTS products, $USERS users (every 4th with 40 swipes), model refreshed; personality_recommend(user, 20) as authenticated, $CLIENTS client(s); $ROUNDS rounds of ${SECONDS_PER} s per state, states alternated"
    echo
    echo "| products table | p50 ms (median of rounds) | p95 ms | p50 vs none | p95 vs none |"
    echo "|---|---:|---:|---:|---:|"
    for s in none all quarter; do
        p50=$(med "$s" 1)
        p95=$(med "$s" 2)
        awk -v s="$s" -v a="$p50" -v b="$p95" -v c="$base50" -v d="$base95" \
            'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.2f |\n", s, a / 1000, b / 1000, a / c, b / d }'
    done
} | tee "$REPORT"
