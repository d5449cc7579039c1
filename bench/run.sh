#!/usr/bin/env bash
# personality_ext benchmarks (`make bench`; results in BENCHMARKS.md).
#
#   1. Match function (issue 3): the seed's PL/pgSQL calculate_personality_product_match
#      (tests/fixtures/seed_functions.sql, copied line for line) against the native one on the same stored
#      profiles, a floor query that only reads one key, the native function with
#      product affinities, and the recommendation pipeline (products ->
#      personality_product_traits -> match) on (profile, product) pairs.
#   2. Swipe inserts (issue 5): pgbench INSERTs into the host's swipes table with no
#      trigger, the seed's PL/pgSQL trigger, and the native trigger; plus one bulk
#      INSERT ... SELECT per variant and with the native trigger attached per statement.
#
# Builds and installs the extension (release), starts a throwaway cluster `bench` on
# port 5495 under target/pg/bench, prints markdown tables and the machine, writes raw
# results to target/bench/<UTC timestamp>/ (and target/bench/latest), stops the cluster.
#
# Environment (defaults are the full run of BENCHMARKS.md, about 20-25 minutes on 2 cores):
#   BENCH_PROFILES=1000000       stored profiles for the match benchmark
#   BENCH_PAIRS=100000           (profile, product) pairs for the pipeline benchmark
#   BENCH_PRODUCTS=10000         host products (tests/fixtures/sample_data.sql)
#   BENCH_USERS=1000             host users, each with a personality profile
#   BENCH_RUNS=5                 measured runs per data point (medians are reported)
#   BENCH_PGBENCH_SECONDS=15     length of one pgbench run
#   BENCH_WARMUP_SECONDS=3       unmeasured pgbench run per variant and workload
#   BENCH_BULK_ROWS=100000       rows of the bulk INSERT ... SELECT
#   BENCH_BULK_RUNS=3            measured runs of the bulk INSERT (the native trigger takes
#                                ~8 s per run at 100,000 rows since 0.2.0; 0.1.0 took ~90 s)
#   BENCH_SHARED_BUFFERS=2GB     shared_buffers of the bench cluster
#   BENCH_FSYNC=on               fsync of the bench cluster: on = production durability, as the
#                                spec's baselines; off = CPU-bound (every µs of a trigger shows)
#   BENCH_SKIP=                  space-separated sections to skip: match swipes bulk
#   BENCH_SKIP_INSTALL=1         do not build/install the extension (use what is installed)
#   BENCH_PIN_LIBRARY=1          load a private copy of personality_ext.so (for machines where
#                                someone may reinstall the extension during the run)
# Quick smoke run:
#   BENCH_SKIP_INSTALL=1 BENCH_PROFILES=20000 BENCH_PAIRS=5000 BENCH_RUNS=1 BENCH_BULK_RUNS=1 \
#     BENCH_PGBENCH_SECONDS=2 BENCH_WARMUP_SECONDS=1 BENCH_BULK_ROWS=5000 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_PROFILES=${BENCH_PROFILES:-1000000}
BENCH_PAIRS=${BENCH_PAIRS:-100000}
BENCH_PRODUCTS=${BENCH_PRODUCTS:-10000}
BENCH_USERS=${BENCH_USERS:-1000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-15}
BENCH_WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-3}
BENCH_BULK_ROWS=${BENCH_BULK_ROWS:-100000}
BENCH_BULK_RUNS=${BENCH_BULK_RUNS:-3}
BENCH_SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-2GB}
BENCH_FSYNC=${BENCH_FSYNC:-on}
BENCH_SKIP=${BENCH_SKIP:-}
if [ "$BENCH_PAIRS" -gt "$BENCH_PROFILES" ]; then BENCH_PAIRS=$BENCH_PROFILES; fi

bash scripts/setup.sh
source scripts/lib.sh
# No NOTICEs from DROP TRIGGER IF EXISTS and friends; WARNINGs (e.g. from the native
# trigger) still show.
export PGOPTIONS="-c client_min_messages=warning"

BENCH_TAG=bench
source bench/lib.sh
skipped() { [[ " $BENCH_SKIP " == *" $1 "* ]]; }

bench_install

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/target/bench/$STAMP"
mkdir -p "$OUT"
ln -sfn "$STAMP" "$ROOT/target/bench/latest"
RESULTS="$OUT/results.tsv"
printf 'section\tvariant\trun\tvalue\tunit\n' >"$RESULTS"
SUMMARY="$OUT/summary.md"
: >"$SUMMARY"
START=$SECONDS

trap 'cluster_stop bench' EXIT
say "starting cluster bench on port 5495"
cluster_start bench 5495
cat >>"$PGHOST/data/postgresql.conf" <<CONF
# bench/run.sh
shared_buffers = $BENCH_SHARED_BUFFERS
fsync = $BENCH_FSYNC
synchronous_commit = on
jit = off
max_wal_size = 8GB
checkpoint_timeout = 30min
log_checkpoints = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -l "$PGHOST/server.log" -w restart >/dev/null
SERVER_LOG="$PGHOST/server.log"

DB=personality_bench
psql -X -q -c "CREATE DATABASE $DB"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d "$DB")
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

say "host schema, $BENCH_PRODUCTS products, $BENCH_USERS users, CREATE EXTENSION personality_ext"
"${PSQL[@]}" -f tests/fixtures/host_schema.sql
"${PSQL[@]}" -v products="$BENCH_PRODUCTS" -v users="$BENCH_USERS" -f tests/fixtures/sample_data.sql
SOFILE="$("$PG_CONFIG" --pkglibdir)/personality_ext.so"
sha() { sha256sum "$1" | cut -c1-12; }
SO_ID=$(sha "$SOFILE")
SO_DATE=$(date -u -r "$SOFILE" '+%Y-%m-%d %H:%M:%S UTC')
PINNED=no
if [ "${BENCH_PIN_LIBRARY:-0}" = 1 ]; then
    # Others may reinstall the extension while this runs, and every new backend would
    # then load another build than the one CREATE EXTENSION ran with. Pinned: a copy of
    # the library, taken with the SQL script it was installed with, is what this
    # database's C functions load (pg_proc.probin of the throwaway bench database only).
    chmod a+rx "$OUT"
    create_extension_pinned "$DB" "$OUT/lib"
    PINNED=yes
    SO_DATE=$(date -u -r "$SOFILE" '+%Y-%m-%d %H:%M:%S UTC')
else
    "${PSQL[@]}" -c "CREATE EXTENSION personality_ext"
fi
"${PSQL[@]}" -c "CREATE EXTENSION pg_prewarm"
"${PSQL[@]}" -f tests/fixtures/seed_functions.sql
# Without pinning, flag a reinstall during the run in the summary.
so_check() {
    if [ "$PINNED" = no ] && [ "$(sha "$SOFILE")" != "$SO_ID" ] && ! grep -qs 'reinstalled' "$OUT/problems.md"; then
        say "WARNING: personality_ext.so was reinstalled during the run ($1)"
        echo "- WARNING: personality_ext.so was reinstalled during the run (noticed $1, $(date -u -r "$SOFILE" '+%H:%M:%S UTC')): later results mix builds; rerun (or use BENCH_PIN_LIBRARY=1)." >>"$OUT/problems.md"
    fi
}

# Machine and settings.
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//')
PGVERSION=$(q "SELECT version()")
EXTVERSION=$(q "SELECT extversion FROM pg_extension WHERE extname = 'personality_ext'")
GITREV=$(git describe --always --dirty 2>/dev/null || echo unknown)
SETTINGS=$(q "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
              WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'jit', 'max_wal_size',
                             'checkpoint_timeout', 'max_parallel_workers_per_gather', 'autovacuum', 'work_mem')")
{
    echo "# personality_ext benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) CPUs, $CPU, $(free -g | awk '/^Mem:/ {print $2}') GB RAM, Linux $(uname -r)"
    echo "- PostgreSQL: $PGVERSION"
    echo "- personality_ext $EXTVERSION, working tree git $GITREV, installed personality_ext.so $SO_ID built $SO_DATE (pinned: $PINNED)"
    echo "- cluster settings: $SETTINGS"
    echo "- sizes: BENCH_PROFILES=$BENCH_PROFILES BENCH_PAIRS=$BENCH_PAIRS BENCH_PRODUCTS=$BENCH_PRODUCTS BENCH_USERS=$BENCH_USERS BENCH_RUNS=$BENCH_RUNS BENCH_PGBENCH_SECONDS=$BENCH_PGBENCH_SECONDS BENCH_BULK_ROWS=$BENCH_BULK_ROWS BENCH_BULK_RUNS=$BENCH_BULK_RUNS"
    echo
} >>"$SUMMARY"

# med SECTION VARIANT: median of the measured runs (run >= 1) in results.tsv.
med() { awk -F'\t' -v s="$1" -v v="$2" '$1 == s && $2 == v && $3 >= 1 {print $4}' "$RESULTS" | median; }
runs_of() { awk -F'\t' -v s="$1" -v v="$2" '$1 == s && $2 == v && $3 >= 1 {printf "%s%.0f", sep, $4; sep = ", "}' "$RESULTS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }
fmt() { awk -v x="$1" -v d="${2:-1}" 'BEGIN { if (x == "NA") print "NA"; else printf "%.*f", d, x }'; }
per_row() { awk -v ms="$1" -v n="$2" 'BEGIN { if (ms == "NA") print "NA"; else printf "%.0f", ms * 1e6 / n }'; }
# rratio SECTION A B: median over the measured rounds of A/B within the same round (the
# variants of one round run back to back, so this cancels much of the machine's noise).
rratio() {
    awk -F'\t' -v s="$1" -v x="$2" -v y="$3" '$1 == s && $3 >= 1 && $2 == x {a[$3] = $4}
        $1 == s && $3 >= 1 && $2 == y {b[$3] = $4}
        END {for (r in a) if ((r in b) && b[r] > 0) print a[r] / b[r]}' "$RESULTS" |
        median | awk '{ if ($1 == "NA") print "NA"; else printf "%.2f", $1 }'
}
verdict() { awk -v x="$1" -v t="$2" 'BEGIN { if (x == "NA") print "n/a"; else if (x + 0 >= t + 0) print "met"; else print "**missed**" }'; }

# ---------------------------------------------------------------------------------
# 1. Match function
# ---------------------------------------------------------------------------------
MATCH_LABELS=()
MATCH_SQL=()
mq() { MATCH_LABELS+=("$1"); MATCH_SQL+=("$2"); }
SEED=seed_calculate_personality_product_match
NATIVE=calculate_personality_product_match
AFF="'{\"adventurous\": 0.9, \"creative\": 0.4}'"
ALIGN="'{\"alignment_score\": 0.5}'"
PAIRS_FROM="FROM bench_pairs x JOIN bench_profiles b ON b.id = x.profile_id
   JOIN products p ON p.id = x.product_id LEFT JOIN categories c ON c.id = p.category_id"
mq a_seed "SELECT sum($SEED(scores, NULL, NULL)) FROM bench_profiles"
mq b_native "SELECT sum($NATIVE(scores, NULL, NULL)) FROM bench_profiles"
mq c_floor "SELECT sum((scores->>'adventurous')::numeric) FROM bench_profiles"
mq d_native_aff "SELECT sum($NATIVE(scores, $AFF, $ALIGN)) FROM bench_profiles"
mq d_seed_aff "SELECT sum($SEED(scores, $AFF, $ALIGN)) FROM bench_profiles"
mq b_native_parallel "SELECT sum($NATIVE(scores, NULL, NULL)) FROM bench_profiles"
mq e_seed "SELECT sum($SEED(b.scores, to_jsonb(p.tags), NULL)) $PAIRS_FROM"
mq e_native "SELECT sum($NATIVE(b.scores, personality_product_traits(c.slug, p.tags), NULL)) $PAIRS_FROM"
mq e_native_pre "WITH pt AS MATERIALIZED (SELECT p.id, personality_product_traits(c.slug, p.tags) AS traits
      FROM products p LEFT JOIN categories c ON c.id = p.category_id)
 SELECT sum($NATIVE(b.scores, pt.traits, NULL))
   FROM bench_pairs x JOIN bench_profiles b ON b.id = x.profile_id JOIN pt ON pt.id = x.product_id"
mq e_traits_only "SELECT sum(length(personality_product_traits(c.slug, p.tags)::text)) $PAIRS_FROM"
mq e_floor "SELECT sum((b.scores->>'adventurous')::numeric) $PAIRS_FROM"

run_match() {
    say "match: generating $BENCH_PROFILES profiles and $BENCH_PAIRS pairs"
    "${PSQL[@]}" -v profiles="$BENCH_PROFILES" -v pairs="$BENCH_PAIRS" -v products="$BENCH_PRODUCTS" \
        -f bench/match_data.sql
    q "SELECT pg_prewarm('bench_profiles'), pg_prewarm('bench_profiles_pkey'), pg_prewarm('bench_pairs'),
              pg_prewarm('products'), pg_prewarm('categories')" >/dev/null
    local size
    size=$(q "SELECT pg_size_pretty(pg_total_relation_size('bench_profiles'))")
    say "match: bench_profiles is $size; correctness check (seed = native on every row)"
    # Same value on every row: the native function must reproduce the seed exactly
    # without affinities (checked here on all rows, with and without alignment).
    local check
    check=$(q "SET max_parallel_workers_per_gather = 0;
        SELECT count(*) FILTER (WHERE $SEED(scores, NULL, NULL) IS DISTINCT FROM $NATIVE(scores, NULL, NULL))
               || ' ' || count(*) FILTER (WHERE $SEED(scores, NULL, $ALIGN) IS DISTINCT FROM $NATIVE(scores, NULL, $ALIGN))
               || ' ' || count(*) || ' ' || count(*) FILTER (WHERE NOT scores ? 'social')
          FROM bench_profiles" | tail -1)
    read -r MISMATCH MISMATCH_ALIGN NROWS NTHREE <<<"$check"
    printf 'match_check\tmismatch_null\t0\t%s\trows\nmatch_check\tmismatch_align\t0\t%s\trows\n' \
        "$MISMATCH" "$MISMATCH_ALIGN" >>"$RESULTS"

    # One psql session: a warm-up round (run 0) then BENCH_RUNS rounds, the queries
    # interleaved within each round so that machine noise hits all of them alike.
    local script="$OUT/match.psql" i run
    {
        echo "SET max_parallel_workers_per_gather = 0;"
        echo '\o /dev/null'
        echo '\timing on'
        for run in $(seq 0 "$BENCH_RUNS"); do
            for i in "${!MATCH_LABELS[@]}"; do
                if [ "${MATCH_LABELS[$i]}" = b_native_parallel ]; then
                    echo "SET max_parallel_workers_per_gather = 2;"
                fi
                echo "\\echo @@ ${MATCH_LABELS[$i]} $run"
                printf '%s;\n' "${MATCH_SQL[$i]}"
                if [ "${MATCH_LABELS[$i]}" = b_native_parallel ]; then
                    echo "SET max_parallel_workers_per_gather = 0;"
                fi
            done
        done
    } >"$script"
    say "match: timing ${#MATCH_LABELS[@]} queries x $((BENCH_RUNS + 1)) rounds (first round is warm-up)"
    "${PSQL[@]}" -f "$script" >"$OUT/match.out" 2>&1
    so_check "after the match timings"
    awk '/^@@ / {label = $2; run = $3; next}
         /^Time: / && label != "" {printf "match\t%s\t%s\t%s\tms\n", label, run, $2; label = ""}' \
        "$OUT/match.out" >>"$RESULTS"
    # The plans, for the record (not timed).
    {
        for i in "${!MATCH_LABELS[@]}"; do
            echo "-- ${MATCH_LABELS[$i]}"
            q "SET max_parallel_workers_per_gather = $([ "${MATCH_LABELS[$i]}" = b_native_parallel ] && echo 2 || echo 0);
               EXPLAIN (COSTS OFF) ${MATCH_SQL[$i]}"
        done
    } >"$OUT/match_plans.txt" 2>&1

    local a b c d ds bp es en ep et ef
    a=$(med match a_seed); b=$(med match b_native); c=$(med match c_floor)
    d=$(med match d_native_aff); ds=$(med match d_seed_aff); bp=$(med match b_native_parallel)
    es=$(med match e_seed); en=$(med match e_native); ep=$(med match e_native_pre)
    et=$(med match e_traits_only); ef=$(med match e_floor)
    {
        echo "## 1. Match function: $BENCH_PROFILES stored profiles ($NTHREE with 3 of the 5 traits), serial (max_parallel_workers_per_gather = 0), median of $BENCH_RUNS runs"
        echo
        echo "| query | median ms | ns/row | runs (ms) |"
        echo "|---|---:|---:|---|"
        echo "| (a) seed PL/pgSQL \`sum(seed_fn(scores, NULL, NULL))\` | $(fmt "$a") | $(per_row "$a" "$NROWS") | $(runs_of match a_seed) |"
        echo "| (b) native \`sum(calculate_personality_product_match(scores, NULL, NULL))\` | $(fmt "$b") | $(per_row "$b" "$NROWS") | $(runs_of match b_native) |"
        echo "| (c) floor \`sum((scores->>'adventurous')::numeric)\` | $(fmt "$c") | $(per_row "$c" "$NROWS") | $(runs_of match c_floor) |"
        echo "| (d) native with affinities and alignment | $(fmt "$d") | $(per_row "$d" "$NROWS") | $(runs_of match d_native_aff) |"
        echo "| (d') seed, same arguments (it ignores the affinities) | $(fmt "$ds") | $(per_row "$ds" "$NROWS") | $(runs_of match d_seed_aff) |"
        echo "| (b') native, parallel query allowed (2 workers) | $(fmt "$bp") | $(per_row "$bp" "$NROWS") | $(runs_of match b_native_parallel) |"
        echo
        echo "| ratio | of the medians | median of per-round ratios | target |"
        echo "|---|---:|---:|---|"
        echo "| seed / native, no affinities (a/b) | $(ratio "$a" "$b")x | $(rratio match a_seed b_native)x | >= 15x: $(verdict "$(rratio match a_seed b_native)" 15) |"
        echo "| seed / native, with alignment (d'/d) | $(ratio "$ds" "$d")x | $(rratio match d_seed_aff d_native_aff)x | |"
        echo "| native / floor (b/c) | $(ratio "$b" "$c")x | $(rratio match b_native c_floor)x | |"
        echo "| native minus floor, per row | $(per_row "$(awk -v x="$b" -v y="$c" 'BEGIN {print x - y}')" "$NROWS") ns | | |"
        echo
        echo "Correctness: seed and native differ on $MISMATCH of $NROWS rows (NULL, NULL) and on $MISMATCH_ALIGN rows (NULL, alignment 0.5)."
        echo
        echo "### 1e. Pipeline: $BENCH_PAIRS (profile, product) pairs, products joined with categories, serial, median of $BENCH_RUNS runs"
        echo
        echo "| query | median ms | ns/pair | runs (ms) |"
        echo "|---|---:|---:|---|"
        echo "| seed \`seed_fn(b.scores, to_jsonb(p.tags), NULL)\` | $(fmt "$es") | $(per_row "$es" "$BENCH_PAIRS") | $(runs_of match e_seed) |"
        echo "| native \`calculate_personality_product_match(b.scores, personality_product_traits(c.slug, p.tags), NULL)\` | $(fmt "$en") | $(per_row "$en" "$BENCH_PAIRS") | $(runs_of match e_native) |"
        echo "| native, traits computed once per product (materialized CTE over all $BENCH_PRODUCTS products) | $(fmt "$ep") | $(per_row "$ep" "$BENCH_PAIRS") | $(runs_of match e_native_pre) |"
        echo "| \`personality_product_traits(c.slug, p.tags)\` alone (per pair) | $(fmt "$et") | $(per_row "$et" "$BENCH_PAIRS") | $(runs_of match e_traits_only) |"
        echo "| floor: same joins, \`sum((b.scores->>'adventurous')::numeric)\` | $(fmt "$ef") | $(per_row "$ef" "$BENCH_PAIRS") | $(runs_of match e_floor) |"
        echo
        echo "| ratio | of the medians | median of per-round ratios |"
        echo "|---|---:|---:|"
        echo "| seed / native pipeline | $(ratio "$es" "$en")x | $(rratio match e_seed e_native)x |"
        echo "| seed / native, traits once per product | $(ratio "$es" "$ep")x | $(rratio match e_seed e_native_pre)x |"
        echo "| native pipeline / floor | $(ratio "$en" "$ef")x | $(rratio match e_native e_floor)x |"
        echo
    } >>"$SUMMARY"
}

# ---------------------------------------------------------------------------------
# 2. Swipe inserts
# ---------------------------------------------------------------------------------
VARIANTS=(none seed native)
# The bulk load also measures the statement-level trigger (native_stmt).
BULK_VARIANTS=(none seed native native_stmt)
declare -A VARIANT_NAME=([none]="no trigger" [seed]="seed PL/pgSQL trigger" [native]="native trigger"
                         [native_stmt]="native trigger, per statement")
declare -A VARIANT_FN=([none]=none [seed]=seed_update_personality_from_behavior [native]=update_personality_from_behavior
                       [native_stmt]=update_personality_from_behavior_bulk)

set_variant() {
    q "DROP TRIGGER IF EXISTS update_personality_from_swipes ON swipes" >/dev/null
    case $1 in
    none) q "SELECT personality_detach_behavior('swipes')" >/dev/null ;;
    seed) q "CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON swipes
             FOR EACH ROW EXECUTE FUNCTION seed_update_personality_from_behavior()" >/dev/null ;;
    native) q "SELECT personality_attach_behavior('swipes')" >/dev/null ;;
    native_stmt) q "SELECT personality_attach_behavior('swipes', 'direction', 'statement')" >/dev/null ;;
    esac
    local got
    got=$(q "SELECT coalesce(string_agg(tgfoid::regproc::text, ','), 'none') FROM pg_trigger
             WHERE tgrelid = 'swipes'::regclass AND NOT tgisinternal")
    if [ "$got" != "${VARIANT_FN[$1]}" ]; then
        echo "variant $1: expected trigger function ${VARIANT_FN[$1]} on swipes, found $got" >&2
        exit 1
    fi
}

reset_swipes() {
    "${PSQL[@]}" -f bench/reset_swipes.sql
    "${PSQL[@]}" -c "VACUUM ANALYZE swipes" -c "VACUUM ANALYZE personality_profiles" \
        -c "VACUUM ANALYZE personality_assessment_history" -c "CHECKPOINT"
}

warnings_in_log() { grep -c 'not learned from' "$SERVER_LOG" || true; }

# check_learned VARIANT SECTION RUN: the trigger really ran once per swipe.
check_learned() {
    local swipes learned
    swipes=$(q "SELECT count(*) FROM swipes")
    case $1 in
    native | native_stmt) learned=$(q "SELECT coalesce(sum(swipes), 0) FROM personality_learning") ;;
    seed) learned=$(q "SELECT count(*) FROM personality_profiles WHERE personality_scores ? 'behavioral_consistency'") ;;
    none) learned=0 ;;
    esac
    printf 'check_%s\t%s\t%s\t%s swipes, %s learned\tinfo\n' "$2" "$1" "$3" "$swipes" "$learned" >>"$RESULTS"
    if [[ $1 == native* ]] && [ "$swipes" != "$learned" ]; then
        say "WARNING: native trigger learned from $learned of $swipes swipes ($2 run $3)"
        echo "- WARNING: native trigger learned from $learned of $swipes swipes ($2 run $3)" >>"$OUT/problems.md"
    fi
}

# pgbench_run SECTION VARIANT RUN CLIENTS USERS SECONDS
pgbench_run() {
    local section=$1 variant=$2 run=$3 clients=$4 users=$5 secs=$6
    local log="$OUT/pgbench_${section}_${variant}_${run}.log"
    reset_swipes
    set_variant "$variant"
    "$PGBIN/pgbench" -n -M prepared -f bench/swipe.pgbench -c "$clients" -j 2 -T "$secs" \
        -D users="$users" -D products="$BENCH_PRODUCTS" "$DB" >"$log" 2>&1
    local tps failed
    tps=$(awk '/^tps = / {print $3; exit}' "$log")
    failed=$(awk -F': ' '/number of failed transactions/ {split($2, a, " "); print a[1]; exit}' "$log")
    if [ -z "$tps" ]; then
        tail -20 "$log" >&2
        exit 1
    fi
    if [ "${failed:-0}" != 0 ]; then
        echo "- $section $variant run $run: $failed failed transactions (see $log)" >>"$OUT/problems.md"
    fi
    if [ "$run" -ge 1 ]; then
        printf 'swipes_%s\t%s\t%s\t%s\ttps\n' "$section" "$variant" "$run" "$tps" >>"$RESULTS"
        check_learned "$variant" "$section" "$run"
    fi
    so_check "after swipes $section $variant run $run"
    say "swipes $section $variant run $run: $tps tps"
}

run_swipes() {
    local w section clients users run v
    # section:clients:users
    for w in "users_c1:1:$BENCH_USERS" "users_c16:16:$BENCH_USERS" "one_user_c16:16:1"; do
        IFS=: read -r section clients users <<<"$w"
        for v in "${VARIANTS[@]}"; do
            pgbench_run "$section" "$v" 0 "$clients" "$users" "$BENCH_WARMUP_SECONDS"
        done
        for run in $(seq 1 "$BENCH_RUNS"); do
            for v in "${VARIANTS[@]}"; do
                pgbench_run "$section" "$v" "$run" "$clients" "$users" "$BENCH_PGBENCH_SECONDS"
            done
        done
    done
}

run_bulk() {
    local sql run v ms
    sql="INSERT INTO swipes (user_id, product_id, direction)
         SELECT ('00000000-0000-4000-d000-' || lpad((1 + g % $BENCH_USERS)::text, 12, '0'))::uuid,
                ('00000000-0000-4000-c000-' || lpad((1 + (g * 7919) % $BENCH_PRODUCTS)::text, 12, '0'))::uuid,
                (ARRAY['left', 'right', 'up', 'down'])[1 + g % 4]
           FROM generate_series(1::bigint, $BENCH_BULK_ROWS) g"
    for run in $(seq 1 "$BENCH_BULK_RUNS"); do
        for v in "${BULK_VARIANTS[@]}"; do
            reset_swipes
            set_variant "$v"
            ms=$(printf '\\timing on\n%s;\n' "$sql" | psql -X -q -v ON_ERROR_STOP=1 -d "$DB" 2>"$OUT/bulk_${v}_$run.err" |
                awk '/^Time: / {print $2; exit}')
            printf 'bulk\t%s\t%s\t%s\tms\n' "$v" "$run" "$ms" >>"$RESULTS"
            check_learned "$v" bulk "$run"
            so_check "after bulk $v run $run"
            say "bulk $v run $run: $ms ms"
        done
    done
}

summarize_swipes() {
    local section title n s nt
    {
        echo "## 2. Swipe inserts: pgbench -n -M prepared -j 2 -T $BENCH_PGBENCH_SECONDS, $BENCH_PRODUCTS products, every user has a personality profile, tps median of $BENCH_RUNS runs"
        echo
        echo "Ratios: of the medians / median of the per-round ratios (the verdict uses the latter)."
        echo
        echo "| workload | no trigger | seed trigger | native trigger | native / seed | native / no trigger | seed / no trigger |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for section in users_c1 users_c16 one_user_c16; do
            case $section in
            users_c1) title="$BENCH_USERS users, 1 client" ;;
            users_c16) title="$BENCH_USERS users, 16 clients" ;;
            one_user_c16) title="one user, 16 clients (row-lock contention)" ;;
            esac
            n=$(med "swipes_$section" none); s=$(med "swipes_$section" seed); nt=$(med "swipes_$section" native)
            local rs rn
            rs=$(rratio "swipes_$section" native seed); rn=$(rratio "swipes_$section" native none)
            echo "| $title | $(fmt "$n" 0) | $(fmt "$s" 0) | $(fmt "$nt" 0) | $(ratio "$nt" "$s") / $rs ($(verdict "$rs" 1)) | $(ratio "$nt" "$n") / $rn ($(verdict "$rn" 0.70)) | $(ratio "$s" "$n") / $(rratio "swipes_$section" seed none) |"
        done
        echo
        echo "Targets: native / seed >= 1.00, native / no trigger >= 0.70. Runs (tps):"
        echo
        for section in users_c1 users_c16 one_user_c16; do
            for v in "${VARIANTS[@]}"; do
                echo "- $section, ${VARIANT_NAME[$v]}: $(runs_of "swipes_$section" "$v")"
            done
        done
        echo
    } >>"$SUMMARY"
}

summarize_bulk() {
    local n s nt
    n=$(med bulk none); s=$(med bulk seed); nt=$(med bulk native)
    {
        echo "### 2b. Bulk load: one INSERT INTO swipes ... SELECT of $BENCH_BULK_ROWS rows ($BENCH_USERS users), median of $BENCH_BULK_RUNS runs"
        echo
        echo "| variant | median ms | us/row | runs (ms) |"
        echo "|---|---:|---:|---|"
        for v in "${BULK_VARIANTS[@]}"; do
            local m
            m=$(med bulk "$v")
            echo "| ${VARIANT_NAME[$v]} | $(fmt "$m") | $(awk -v ms="$m" -v n="$BENCH_BULK_ROWS" 'BEGIN { if (ms == "NA") print "NA"; else printf "%.1f", ms * 1000 / n }') | $(runs_of bulk "$v") |"
        done
        echo
        echo "Bulk time ratios: seed / native $(ratio "$s" "$nt") (>= 1 means native is faster), no trigger / native $(ratio "$n" "$nt"), native / native per statement $(ratio "$nt" "$(med bulk native_stmt)")."
        echo
    } >>"$SUMMARY"
}

skipped match || run_match
if ! skipped swipes; then
    q "SELECT pg_prewarm(c.oid) FROM pg_class c WHERE c.relname IN ('products', 'profiles', 'categories', 'products_pkey', 'profiles_pkey', 'categories_pkey')" >/dev/null
    run_swipes
    summarize_swipes
fi
if ! skipped bulk; then
    run_bulk
    summarize_bulk
fi

W=$(warnings_in_log)
{
    echo "Server log: $W \"swipe kept, but not learned from\" warnings. Total bench time $(((SECONDS - START) / 60)) min $(((SECONDS - START) % 60)) s."
    if [ -s "$OUT/problems.md" ]; then
        echo
        echo "Problems:"
        cat "$OUT/problems.md"
    fi
    echo
    echo "Raw results: target/bench/$STAMP/ (results.tsv, pgbench logs, match.out, match_plans.txt)."
} >>"$SUMMARY"
cp "$SERVER_LOG" "$OUT/server.log" 2>/dev/null || true
cat "$SUMMARY"
