#!/usr/bin/env bash
# personality_recommend() speed (issue 6).
#
# For each catalog size: a fresh database with the host schema
# (tests/fixtures/host_schema.sql) and a deterministic catalog of that many active
# products (bench/recommend_catalog.sql: ten categories, 1-4 tags of 50 by hash, prices
# 5..350), then CREATE EXTENSION personality_ext (timed: it computes
# personality_product_vectors for the whole catalog), then BENCH_REC_USERS users who take
# the quiz with varied, noisy answers (bench/recommend_users.sql), every
# BENCH_REC_SWIPE_EVERY-th of them also swiping BENCH_REC_SWIPES products
# (bench/recommend_swipes.sql, learnt by the native trigger).
#
# Measured with pgbench (-M prepared, per-transaction logs -l; p50/p95/p99 are
# nearest-rank percentiles of every call's latency), warm cache (VACUUM ANALYZE,
# pg_prewarm, an unmeasured warm-up run per variant and client count), a random user of
# the BENCH_REC_USERS per call:
#   (a) SELECT count(*) FROM personality_recommend(user, 20)
#   (b) ... personality_recommend(user, 20, 'gift_finder', 'birthday')
#   (c) ... personality_recommend(user, 20, 'discover', NULL, 50)
#   (e) (a) with SET personality.max_groups = 0: the threshold algorithm over the
#       per-trait indexes, which builds with group ranking fall back to for catalogs with
#       more distinct product groups than personality.max_groups (ignored by older builds)
#   (d) the naive baseline: SELECT p.id FROM products p ORDER BY
#       seed_calculate_personality_product_match(<user's scores>, NULL, NULL) DESC LIMIT 20
#       with the seed's PL/pgSQL copied line for line (tests/fixtures/seed_functions.sql), fewer
#       calls, users without swipes only (the seed raises on the keys learning adds).
# Also: (a) and (c) right after CREATE EXTENSION (cold cache; the vectors' statistics
# are whatever CREATE EXTENSION and autovacuum left); the work per call from personality_recommend's DEBUG1 line
# (partitions, round trips, rows read, products scored) over a sample of users; and an
# exactness check against an exhaustive SQL ranking (bench/recommend_exact.sql).
#
# Prints markdown tables and writes them to target/bench/recommend.md; raw pgbench logs
# in target/bench/recommend-raw/. Each database loads a private copy of personality_ext.so
# taken at CREATE EXTENSION (others may reinstall the extension during the run). Cluster `benchrec` on port 5496 (target/pg/benchrec),
# stopped on exit.
#
# Environment (defaults: the full run, about 12 minutes on 2 cores):
#   BENCH_REC_SIZES="100000 1000000"  catalog sizes (active products)
#   BENCH_REC_USERS=200               users with a quiz profile
#   BENCH_REC_SWIPE_EVERY=5           every n-th user also swipes ...
#   BENCH_REC_SWIPES=20               ... this many products
#   BENCH_REC_QUIZ_NOISE=0.4          answer noise (bench/recommend_users.sql)
#   BENCH_REC_CLIENTS="1 4"           pgbench client counts (-j min(clients, nproc))
#   BENCH_REC_VARIANTS="a b c e"      the pgbench-measured queries ((d) always runs)
#   BENCH_REC_SECONDS=20              length of one measured pgbench run
#   BENCH_REC_WARMUP_SECONDS=5        unmeasured run before each measured one
#   BENCH_REC_COLD_CALLS=5            calls of (a) and (c) right after CREATE EXTENSION (0: skip)
#   BENCH_REC_NAIVE_CALLS=10          calls of (d) at 100,000 products; scaled down with
#                                     the catalog (at least 3): it is a full scan
#   BENCH_REC_STAT_USERS=20           users sampled for the DEBUG1 work statistics
#   BENCH_REC_VERIFY_USERS=20         users checked against the exhaustive ranking ...
#   BENCH_REC_VERIFY_MAX_SIZE=100000  ... at catalog sizes up to this (it is slow)
#   BENCH_REC_SHARED_BUFFERS=2GB      shared_buffers of the cluster
#   BENCH_SKIP_INSTALL=1              do not build/install the extension (use what is installed)
# Quick smoke run:
#   BENCH_SKIP_INSTALL=1 BENCH_REC_SIZES=20000 BENCH_REC_SECONDS=3 BENCH_REC_WARMUP_SECONDS=1 \
#     BENCH_REC_NAIVE_CALLS=3 BENCH_REC_VERIFY_USERS=3 bash bench/recommend.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_REC_SIZES=${BENCH_REC_SIZES:-100000 1000000}
BENCH_REC_USERS=${BENCH_REC_USERS:-200}
BENCH_REC_SWIPE_EVERY=${BENCH_REC_SWIPE_EVERY:-5}
BENCH_REC_SWIPES=${BENCH_REC_SWIPES:-20}
BENCH_REC_QUIZ_NOISE=${BENCH_REC_QUIZ_NOISE:-0.4}
BENCH_REC_CLIENTS=${BENCH_REC_CLIENTS:-1 4}
BENCH_REC_VARIANTS=${BENCH_REC_VARIANTS:-a b c e}
BENCH_REC_SECONDS=${BENCH_REC_SECONDS:-20}
BENCH_REC_WARMUP_SECONDS=${BENCH_REC_WARMUP_SECONDS:-5}
BENCH_REC_COLD_CALLS=${BENCH_REC_COLD_CALLS:-5}
BENCH_REC_NAIVE_CALLS=${BENCH_REC_NAIVE_CALLS:-10}
BENCH_REC_STAT_USERS=${BENCH_REC_STAT_USERS:-20}
BENCH_REC_VERIFY_USERS=${BENCH_REC_VERIFY_USERS:-20}
BENCH_REC_VERIFY_MAX_SIZE=${BENCH_REC_VERIFY_MAX_SIZE:-100000}
BENCH_REC_SHARED_BUFFERS=${BENCH_REC_SHARED_BUFFERS:-2GB}
if [ "$BENCH_REC_SWIPE_EVERY" -lt 2 ]; then
    echo "BENCH_REC_SWIPE_EVERY must be at least 2 (the naive baseline needs users without swipes)" >&2
    exit 1
fi

bash scripts/setup.sh >&2
source scripts/lib.sh
export PGOPTIONS="-c client_min_messages=warning"

BENCH_TAG=recommend
source bench/lib.sh
bench_install

OUT="$ROOT/target/bench/recommend-raw"
rm -rf "$OUT"
mkdir -p "$OUT"
chmod a+rwx "$OUT"
REPORT="$ROOT/target/bench/recommend.md"
START=$SECONDS

trap 'cluster_stop benchrec' EXIT
say "starting cluster benchrec on port 5496"
cluster_start benchrec 5496
cat >>"$PGHOST/data/postgresql.conf" <<CONF
# bench/recommend.sh
shared_buffers = $BENCH_REC_SHARED_BUFFERS
jit = off
max_wal_size = 8GB
checkpoint_timeout = 30min
log_checkpoints = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -l "$PGHOST/server.log" -w restart >/dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# pct P < numbers: nearest-rank percentile
pct() { sort -g | awk -v p="$1" '{a[NR] = $1} END { if (NR == 0) { print "NA"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print a[i] }'; }
ms() { awk -v x="$1" 'BEGIN { if (x == "NA") print "NA"; else printf "%.2f", x / 1000 }'; }

# CPU time (clock ticks) of the cluster's terminated backends: the postmaster's cutime +
# cstime (a pgbench run's backends exit when it ends, and the postmaster reaps them).
children_cpu() { awk '{print $16 + $17}' "/proc/$(head -1 "$PGHOST/data/postmaster.pid")/stat"; }
TICK=$(getconf CLK_TCK)

# run_pgbench DB NAME SCRIPT CLIENTS (-T SECONDS | -t CALLS): the latencies (µs), one a
# line, in $OUT/NAME.lat; the pgbench summary in $OUT/NAME.out; the server CPU ms per
# call (all backends, noise from other processes on the machine excluded) in $OUT/NAME.cpu.
run_pgbench() {
    local db=$1 name=$2 script=$3 clients=$4 mode=$5 amount=$6 threads cpu0 cpu1
    threads=$(( clients < $(nproc) ? clients : $(nproc) ))
    cpu0=$(children_cpu)
    local opts=$PGOPTIONS
    case $name in e_*|warm_e_*) opts="$PGOPTIONS -c personality.max_groups=0" ;; esac
    (cd "$OUT" && PGOPTIONS=$opts pgbench -n -M prepared -f "$script" -c "$clients" -j "$threads" "$mode" "$amount" \
        -l --log-prefix="$name" "$db" >"$name.out" 2>"$name.err") \
        || { cat "$OUT/$name.err" >&2; return 1; }
    # the backends' CPU time reaches the postmaster's cutime once it has reaped them
    local pm i
    pm=$(head -1 "$PGHOST/data/postmaster.pid")
    for i in $(seq 1 50); do
        pgrep -P "$pm" -f "postgres: postgres $db " >/dev/null || break
        sleep 0.1
    done
    sleep 0.1
    cpu1=$(children_cpu)
    cat "$OUT/$name".[0-9]* | awk '{print $3}' >"$OUT/$name.lat"
    rm -f "$OUT/$name".[0-9]*
    awk -v a="$cpu0" -v b="$cpu1" -v t="$TICK" -v n="$(wc -l <"$OUT/$name.lat")" \
        'BEGIN { printf "%.2f\n", (b - a) * 1000 / t / n }' >"$OUT/$name.cpu"
}

{
    echo "# personality_recommend benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//'), $(free -g | awk '/^Mem:/ {print $2}') GB RAM"
    echo "- PostgreSQL: $(psql -X -At -c 'SHOW server_version') (shared_buffers $BENCH_REC_SHARED_BUFFERS, jit off, fsync off); git $(git describe --always --dirty 2>/dev/null || echo unknown)"
    echo "- $BENCH_REC_USERS users (quiz, answer noise $BENCH_REC_QUIZ_NOISE), every ${BENCH_REC_SWIPE_EVERY}th with $BENCH_REC_SWIPES swipes; pgbench -M prepared, ${BENCH_REC_SECONDS} s per measured run after ${BENCH_REC_WARMUP_SECONDS} s warm-up; a random user per call"
    echo
} >"$REPORT.head"

SETUP_ROWS=()
LAT_ROWS=()
COLD_ROWS=()
WORK_ROWS=()
CHECK_ROWS=()

for size in $BENCH_REC_SIZES; do
    DB=rec_$size
    PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d "$DB")
    q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
    say "catalog of $size products"
    psql -X -q -c "CREATE DATABASE $DB"
    "${PSQL[@]}" -f tests/fixtures/host_schema.sql
    t0=$(now)
    "${PSQL[@]}" -v products="$size" -f bench/recommend_catalog.sql
    t1=$(now)
    say "CREATE EXTENSION personality_ext ($size products)"
    create_extension_pinned "$DB" "$OUT/lib_$size"
    t2=$(now)
    "${PSQL[@]}" -c "CREATE EXTENSION pg_prewarm"
    "${PSQL[@]}" -f tests/fixtures/seed_functions.sql
    "${PSQL[@]}" -f bench/recommend_exact.sql
    say "$BENCH_REC_USERS users take the quiz; swipes"
    "${PSQL[@]}" -v users="$BENCH_REC_USERS" -v quiz_noise="$BENCH_REC_QUIZ_NOISE" -f bench/recommend_users.sql >/dev/null
    "${PSQL[@]}" -v every="$BENCH_REC_SWIPE_EVERY" -v swipes="$BENCH_REC_SWIPES" -v products="$size" \
        -f bench/recommend_swipes.sql >/dev/null
    vectors=$(q "SELECT count(*) FROM personality_product_vectors")
    distinct=$(q "SELECT count(DISTINCT (category, adventurous, intellectual, practical, creative, social)) FROM personality_product_vectors")
    vsize=$(q "SELECT pg_size_pretty(pg_total_relation_size('personality_product_vectors'))")
    agree=$(q "SELECT round(avg(quiz_agreement)::numeric, 2) FROM bench_members")
    SETUP_ROWS+=("| $size | $SO_ID | $(secs "$t0" "$t1") | **$(secs "$t1" "$t2")** | $vectors | $distinct | $vsize | $agree |")

    # pgbench scripts
    uid="('00000000-0000-4000-d000-' || lpad(:uid::text, 12, '0'))::uuid"
    printf '\\set uid random(1, %s)\nSELECT count(*) FROM personality_recommend(%s, 20);\n' \
        "$BENCH_REC_USERS" "$uid" >"$OUT/a.pgbench"
    printf '\\set uid random(1, %s)\nSELECT count(*) FROM personality_recommend(%s, 20, '"'"'gift_finder'"'"', '"'"'birthday'"'"');\n' \
        "$BENCH_REC_USERS" "$uid" >"$OUT/b.pgbench"
    printf '\\set uid random(1, %s)\nSELECT count(*) FROM personality_recommend(%s, 20, '"'"'discover'"'"', NULL, 50);\n' \
        "$BENCH_REC_USERS" "$uid" >"$OUT/c.pgbench"
    cp "$OUT/a.pgbench" "$OUT/e.pgbench"
    printf '\\set r random(1, %s)\n\\set uid case when :r %% %s = 0 then :r - 1 else :r end\nSELECT p.id FROM products p ORDER BY seed_calculate_personality_product_match((SELECT personality_scores FROM personality_profiles WHERE user_id = %s), NULL, NULL) DESC LIMIT 20;\n' \
        "$BENCH_REC_USERS" "$BENCH_REC_SWIPE_EVERY" "$uid" >"$OUT/d.pgbench"
    chmod a+r "$OUT"/*.pgbench

    if [ "$BENCH_REC_COLD_CALLS" -gt 0 ]; then
        analyzed=$(q "SELECT coalesce(greatest(last_analyze, last_autoanalyze)::text, 'never') FROM pg_stat_user_tables WHERE relname = 'personality_product_vectors'")
        for v in a c; do
            say "$size: ($v) right after CREATE EXTENSION, $BENCH_REC_COLD_CALLS calls"
            run_pgbench "$DB" "cold_${v}_$size" "$OUT/$v.pgbench" 1 -t "$BENCH_REC_COLD_CALLS"
            lat="$OUT/cold_${v}_$size.lat"
            COLD_ROWS+=("| $size | ($v) | $BENCH_REC_COLD_CALLS | $(ms "$(pct 50 <"$lat")") | $(ms "$(pct 100 <"$lat")") | $analyzed |")
        done
    fi

    say "$size: VACUUM ANALYZE, pg_prewarm"
    psql -X -q -d "$DB" -c "VACUUM ANALYZE"
    q "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" >/dev/null

    for v in $BENCH_REC_VARIANTS; do
        for c in $BENCH_REC_CLIENTS; do
            say "$size: ($v) -c $c, ${BENCH_REC_WARMUP_SECONDS} s warm-up + ${BENCH_REC_SECONDS} s"
            run_pgbench "$DB" "warm_${v}_${size}_c$c" "$OUT/$v.pgbench" "$c" -T "$BENCH_REC_WARMUP_SECONDS"
            run_pgbench "$DB" "${v}_${size}_c$c" "$OUT/$v.pgbench" "$c" -T "$BENCH_REC_SECONDS"
            lat="$OUT/${v}_${size}_c$c.lat"
            n=$(wc -l <"$lat")
            tps=$(awk -v n="$n" -v t="$BENCH_REC_SECONDS" 'BEGIN { printf "%.1f", n / t }')
            p95=$(ms "$(pct 95 <"$lat")")
            target=""
            if [ "$v" = a ] || [ "$v" = e ]; then
                limit=$(awk -v s="$size" 'BEGIN { print (s <= 100000) ? 10 : (s <= 1000000 ? 50 : "") }')
                if [ -n "$limit" ]; then
                    target=$(awk -v x="$p95" -v l="$limit" 'BEGIN { if (x + 0 <= l + 0) print "<= " l " ms: met"; else print "<= " l " ms: **missed**" }')
                fi
            fi
            LAT_ROWS+=("| $size | ($v) | $c | $n | $tps | $(ms "$(pct 50 <"$lat")") | $p95 | $(ms "$(pct 99 <"$lat")") | $(cat "$OUT/${v}_${size}_c$c.cpu") | $(cut -d' ' -f1 /proc/loadavg) | $target |")
        done
    done

    naive=$(awk -v n="$BENCH_REC_NAIVE_CALLS" -v s="$size" 'BEGIN { x = int(n * 100000 / s + 0.5); if (x > n) x = n; if (x < 3) x = 3; print x }')
    say "$size: (d) naive seed ORDER BY, $naive calls"
    run_pgbench "$DB" "d_$size" "$OUT/d.pgbench" 1 -t "$naive"
    lat="$OUT/d_$size.lat"
    LAT_ROWS+=("| $size | (d) naive | 1 | $naive | $(awk -v m="$(pct 50 <"$lat")" 'BEGIN { printf "%.2f", 1e6 / m }') | $(ms "$(pct 50 <"$lat")") | $(ms "$(pct 95 <"$lat")") | $(ms "$(pct 99 <"$lat")") | $(cat "$OUT/d_$size.cpu") | $(cut -d' ' -f1 /proc/loadavg) | |")

    say "$size: work per call (DEBUG1), $BENCH_REC_STAT_USERS users"
    for v in $BENCH_REC_VARIANTS; do
        case $v in
            a|e) args="20" ;;
            b) args="20, 'gift_finder', 'birthday'" ;;
            c) args="20, 'discover', NULL, 50" ;;
        esac
        {
            echo "SET client_min_messages = debug1;"
            [ "$v" != e ] || echo "SET personality.max_groups = 0;"
            for i in $(seq 1 "$BENCH_REC_STAT_USERS"); do
                u=$(( (i * 37) % BENCH_REC_USERS + 1 ))
                echo "SELECT count(*) FROM personality_recommend(('00000000-0000-4000-d000-' || lpad('$u', 12, '0'))::uuid, $args);"
            done
        } | PGOPTIONS="" psql -X -q -At -d "$DB" 2>&1 >/dev/null \
          | sed -n 's/.*personality_recommend: //p' >"$OUT/work_${v}_$size.txt" || true
        # each line: "<n> <what>, <n> <what>, ..." (the format depends on the build): per
        # item, the median and the largest over the users
        WORK_ROWS+=("| $size | ($v) | $(awk -F', ' '
            { for (i = 1; i <= NF; i++) { n = $i; sub(/ .*/, "", n); what = $i; sub(/^[^ ]* /, "", what)
                  if (!(what in cnt)) order[++k] = what; v[what, ++cnt[what]] = n + 0 } }
            END { if (k == 0) { print "NA"; exit }
                  for (j = 1; j <= k; j++) { w = order[j]; m = cnt[w]
                      for (a = 1; a <= m; a++) b[a] = v[w, a]
                      for (a = 1; a <= m; a++) for (c = a + 1; c <= m; c++) if (b[c] < b[a]) { t = b[a]; b[a] = b[c]; b[c] = t }
                      out = out (j > 1 ? "; " : "") w " " b[int((m + 1) / 2)] " / " b[m] }
                  print out }' "$OUT/work_${v}_$size.txt") |")
    done

    if [ "$BENCH_REC_VERIFY_USERS" -gt 0 ] && [ "$size" -le "$BENCH_REC_VERIFY_MAX_SIZE" ]; then
        say "$size: exactness against the exhaustive ranking, $BENCH_REC_VERIFY_USERS users"
        for cap in NULL 50; do
            res=$(q "SELECT count(*) FILTER (WHERE d <= 2e-4) || ' of ' || count(*) || ' | ' || to_char(max(d), 'FM0.000000')
                       FROM (SELECT bench_check(id, 20, $cap) AS d FROM bench_members
                              WHERE n % greatest(1, $BENCH_REC_USERS / $BENCH_REC_VERIFY_USERS) = 0
                              ORDER BY n LIMIT $BENCH_REC_VERIFY_USERS) x")
            CHECK_ROWS+=("| $size | $( [ "$cap" = NULL ] && echo "(a)" || echo "(c) max price 50") | $res |")
        done
    fi

    say "$size: done, dropping $DB"
    psql -X -q -c "DROP DATABASE $DB"
done

{
    cat "$REPORT.head"
    echo "## Install: CREATE EXTENSION computes the product vectors"
    echo
    echo "| catalog | personality_ext.so (pinned) | generate products (s) | CREATE EXTENSION (s) | vectors | distinct (category, shares) | vectors table + indexes | quiz answers = noiseless best |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${SETUP_ROWS[@]}"
    echo
    echo "## Latency per call (warm cache)"
    echo
    echo "(a) \`personality_recommend(user, 20)\`, (b) with occasion \`'birthday'\`, (c) with \`p_max_price\` 50, (e) (a) with"
    echo "\`personality.max_groups = 0\` (the threshold algorithm, the fallback for catalogs with more product groups),"
    echo "(d) naive: \`ORDER BY seed_calculate_personality_product_match(scores, NULL, NULL) DESC LIMIT 20\` over \`products\` (the seed's PL/pgSQL)."
    echo "Calls/s for (d) is 1/p50. Server CPU ms/call: CPU time of all backends during the run over the calls (not inflated by"
    echo "other processes competing for the CPUs, unlike the latencies); load avg: 1-minute load average at the end of the run"
    echo "(the machine has $(nproc) CPUs; anything above that means the latencies include waiting for a CPU)."
    echo
    echo "| catalog | query | clients | calls | calls/s | p50 ms | p95 ms | p99 ms | server CPU ms/call | load avg | target (p95 of (a), (e)) |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${LAT_ROWS[@]}"
    echo
    if [ ${#COLD_ROWS[@]} -gt 0 ]; then
        echo "## Right after CREATE EXTENSION and the users' setup: cold cache, no VACUUM ANALYZE by the benchmark yet (1 client)"
        echo
        echo "| catalog | query | calls | p50 ms | max ms | vectors last analyzed |"
        echo "|---:|---|---:|---:|---:|---|"
        printf '%s\n' "${COLD_ROWS[@]}"
        echo
    fi
    echo "## Work per call (DEBUG1 line of personality_recommend; median / max over $BENCH_REC_STAT_USERS users)"
    echo
    echo "| catalog | query | per item of the line: median / max |"
    echo "|---:|---|---|"
    printf '%s\n' "${WORK_ROWS[@]}"
    echo
    if [ ${#CHECK_ROWS[@]} -gt 0 ]; then
        echo "## Exactness: personality_recommend's top 20 against an exhaustive SQL ranking (bench/recommend_exact.sql)"
        echo
        echo "| catalog | query | users whose 20 scores agree (<= 2e-4, rank by rank) | largest difference |"
        echo "|---:|---|---|---:|"
        printf '%s\n' "${CHECK_ROWS[@]}"
        echo
    fi
    echo "Total time: $(( SECONDS - START )) s. Raw pgbench logs: target/bench/recommend-raw/."
} >"$REPORT"
rm -f "$REPORT.head"
cat "$REPORT"
