#!/usr/bin/env bash
# Offline recommendation quality (issue 6): the positive-swipe rate of the top 10.
#
# A synthetic population of QUALITY_MEMBERS members with hidden true trait vectors
# (bench/recommend_users.sql: Dirichlet-like from hashes) and a catalog of
# QUALITY_PRODUCTS products (bench/recommend_catalog.sql). A member "swipes right" on a
# product when its hidden appeal reaches their threshold (bench/quality_setup.sql):
#   appeal = dot(truth, product's trait shares from personality_product_vectors)
#            + uniform noise in +-QUALITY_APPEAL_NOISE (a hash of member and product),
#   threshold = the member's (1 - QUALITY_LIKE_RATE) quantile of appeal over the catalog,
# so a random product is liked QUALITY_LIKE_RATE of the time (the base rate is reported).
# Policies, each showing QUALITY_TOP products per member:
#   (a) random picks;
#   (b) popularity: the products most liked by the other members in a training set of
#       QUALITY_TRAIN random swipes per member (minus the member's own training swipes);
#   (c) quiz: the member answers the quiz by their true vector (per question the option
#       whose traits dot it highest, after uniform noise in [0, QUALITY_QUIZ_NOISE) per
#       option), personality_assess, then personality_recommend(member, 10);
#   (d) quiz + swipes: the member swipes the QUALITY_LEARN products of
#       personality_recommend(member, QUALITY_LEARN) (right when liked, else left; INSERT
#       INTO swipes, the native trigger learns), then personality_recommend(member, 10)
#       again (the swiped products are excluded) (bench/quality_run.sql).
# Extra rows: (c)/(d) with other settings (learning rate, weights), the oracle profile
# (the true vector as scores: the ranking's ceiling), and worlds whose appeal has more
# idiosyncratic noise or whose quiz answers are noisier (QUALITY_EXTRA_WORLDS).
#
# Prints markdown tables and writes them to target/bench/quality.md. Cluster `benchrec`
# on port PERSONALITY_PORT_BASE + 6 (5496 by default; target/pg/benchrec), stopped on exit. The database loads a private copy
# of personality_ext.so taken at CREATE EXTENSION (others may reinstall it meanwhile).
#
# Environment (defaults: the full run, about 4 minutes on 2 cores):
#   QUALITY_PRODUCTS=20000        catalog size
#   QUALITY_MEMBERS=300           members
#   QUALITY_LIKE_RATE=0.3         share of the catalog each member likes
#   QUALITY_APPEAL_NOISE=0.05     appeal noise of the main world
#   QUALITY_QUIZ_NOISE=0.4        answer noise of the main world
#   QUALITY_EXTRA_WORLDS="0.15:0.4 0.3:0.4 0.05:1.5 0.3:1.5"
#                                 extra worlds, appeal noise:quiz noise ("" for none) ...
#   QUALITY_EXTRA_RUNS=2          ... each running the first lines of QUALITY_SETTINGS
#   QUALITY_TRAIN=100             random training swipes per member (popularity)
#   QUALITY_LEARN=20              swipes on recommendations before (d)
#   QUALITY_TOP=10                products shown per member
#   QUALITY_SETTINGS              the runs of the main world, one per line:
#                                 "label|learning_rate|w_match|w_category|w_behavior|oracle"
#                                 (default below; the first line is the default settings)
#   BENCH_SKIP_INSTALL=1          do not build/install the extension (use what is installed)
# Quick smoke run:
#   BENCH_SKIP_INSTALL=1 QUALITY_PRODUCTS=3000 QUALITY_MEMBERS=40 QUALITY_EXTRA_WORLDS=0.3:1.5 bash bench/quality.sh
set -euo pipefail
cd "$(dirname "$0")/.."

QUALITY_PRODUCTS=${QUALITY_PRODUCTS:-20000}
QUALITY_MEMBERS=${QUALITY_MEMBERS:-300}
QUALITY_LIKE_RATE=${QUALITY_LIKE_RATE:-0.3}
QUALITY_APPEAL_NOISE=${QUALITY_APPEAL_NOISE:-0.05}
QUALITY_QUIZ_NOISE=${QUALITY_QUIZ_NOISE:-0.4}
QUALITY_EXTRA_WORLDS=${QUALITY_EXTRA_WORLDS-0.15:0.4 0.3:0.4 0.05:1.5 0.3:1.5}
QUALITY_EXTRA_RUNS=${QUALITY_EXTRA_RUNS:-2}
QUALITY_TRAIN=${QUALITY_TRAIN:-100}
QUALITY_LEARN=${QUALITY_LEARN:-20}
QUALITY_TOP=${QUALITY_TOP:-10}
QUALITY_SETTINGS=${QUALITY_SETTINGS:-"default (learning_rate 0.05, weights 0.6/0.25/0.15)|0.05|0.6|0.25|0.15|0
learning_rate 0.15|0.15|0.6|0.25|0.15|0
learning_rate 0.15, weights 0.4/0.2/0.4 (more behaviour)|0.15|0.4|0.2|0.4|0
weights 1/0/0 (personality match only)|0.05|1|0|0|0
weights 0.3/0.6/0.1 (more category)|0.05|0.3|0.6|0.1|0
oracle profile (true vector as scores), default settings|0.05|0.6|0.25|0.15|1"}

bash scripts/setup.sh >&2
source scripts/lib.sh
export PGOPTIONS="-c client_min_messages=warning"

BENCH_TAG=quality
source bench/lib.sh
bench_install

mkdir -p "$ROOT/target/bench"
REPORT="$ROOT/target/bench/quality.md"
START=$SECONDS

trap 'cluster_stop benchrec' EXIT
say "starting cluster benchrec on port $((PORT_BASE + 6))"
cluster_start benchrec $((PORT_BASE + 6))
cat >>"$PGHOST/data/postgresql.conf" <<CONF
# bench/quality.sh
shared_buffers = 1GB
jit = off
max_wal_size = 8GB
log_checkpoints = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$PGHOST/data" -l "$PGHOST/server.log" -w restart >/dev/null

DB=quality
psql -X -q -c "CREATE DATABASE $DB"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d "$DB")
q() { psql -X -q -At -F '|' -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

say "catalog of $QUALITY_PRODUCTS products, CREATE EXTENSION, $QUALITY_MEMBERS members take the quiz"
"${PSQL[@]}" -f tests/fixtures/host_schema.sql
"${PSQL[@]}" -v products="$QUALITY_PRODUCTS" -f bench/recommend_catalog.sql
create_extension_pinned "$DB" "$ROOT/target/bench/quality-lib"
"${PSQL[@]}" -v users="$QUALITY_MEMBERS" -v quiz_noise="$QUALITY_QUIZ_NOISE" -f bench/recommend_users.sql >/dev/null
"${PSQL[@]}" -c "VACUUM ANALYZE"
PEAK=$(q "SELECT round(avg((SELECT max(t) FROM unnest(truth) t))::numeric, 2) FROM bench_members")

# rate LABEL STAGE -> "rate | members at >= 75%"
rate() {
    q "SELECT to_char(100 * avg(liked::int), 'FM990.0') || '%', to_char(100 * avg((r >= 0.75)::int), 'FM990') || '%'
         FROM (SELECT n, avg(liked::int) AS r FROM quality_results WHERE label = '$1' AND stage = '$2' GROUP BY n) m
         JOIN quality_results USING (n) WHERE label = '$1' AND stage = '$2'" | sed 's/|/ | /'
}
# categories LABEL -> "min / mean categories per newcomer list"
categories() {
    q "SELECT min(c) || ' / ' || to_char(avg(c), 'FM990.0')
         FROM (SELECT r.n, count(DISTINCT v.category) AS c
                 FROM quality_results r JOIN personality_product_vectors v ON v.product_id = r.product_id
                WHERE r.label = '$1' AND r.stage = 'newcomer' GROUP BY r.n) x"
}
cosine() { q "SELECT to_char(avg(cosine), 'FM0.000') FROM quality_profiles WHERE label = '$1' AND stage = '$2'"; }

ROWS=()
world() {
    local noise=$1 quiz=$2 settings=$3 base agree
    say "world with appeal noise $noise, quiz noise $quiz: answers, thresholds, base rate, random and popularity baselines"
    "${PSQL[@]}" -v quiz_noise="$quiz" -f bench/recommend_answers.sql
    agree=$(q "SELECT round(avg(quiz_agreement)::numeric, 2) FROM bench_members")
    "${PSQL[@]}" -v products="$QUALITY_PRODUCTS" -v like_rate="$QUALITY_LIKE_RATE" -v appeal_noise="$noise" \
        -v train="$QUALITY_TRAIN" -v top="$QUALITY_TOP" -f bench/quality_setup.sql
    base=$(q "SELECT to_char(100 * rate, 'FM990.0') || '%' FROM quality_base")
    W="$noise | $quiz ($agree)"
    ROWS+=("| $W | base rate: a random product of the catalog | | $base | | |")
    ROWS+=("| $W | (a) random picks | | $(rate baseline random) | |")
    ROWS+=("| $W | (b) popularity ($QUALITY_TRAIN random training swipes per member) | | $(rate baseline popularity) | |")
    local i=0
    while IFS='|' read -r label lr wm wc wb oracle; do
        [ -n "$label" ] || continue
        i=$((i + 1))
        say "noise $noise, quiz noise $quiz: $label"
        "${PSQL[@]}" -v label="run$i" -v lr="$lr" -v wm="$wm" -v wc="$wc" -v wb="$wb" -v oracle="$oracle" \
            -v learn="$QUALITY_LEARN" -v top="$QUALITY_TOP" -f bench/quality_run.sql >/dev/null
        local c d n0
        if [ "$oracle" = 1 ]; then
            c="(c') true vector as profile"; n0="(d0') no learning: its ranks $((QUALITY_LEARN + 1))-$((QUALITY_LEARN + QUALITY_TOP))"; d="(d') + $QUALITY_LEARN swipes"
        else
            c="(c) quiz"; n0="(d0) no learning: quiz ranks $((QUALITY_LEARN + 1))-$((QUALITY_LEARN + QUALITY_TOP))"; d="(d) quiz + $QUALITY_LEARN swipes"
        fi
        ROWS+=("| $W | $c | $label | $(rate "run$i" quiz) | $(cosine "run$i" quiz) |")
        ROWS+=("| $W | $n0 | $label | $(rate "run$i" quiz_next) | $(cosine "run$i" quiz) |")
        ROWS+=("| $W | $d | $label | $(rate "run$i" swipes) | $(cosine "run$i" swipes) |")
        LEARN_ROWS+=("| $W | $label | $(rate "run$i" learn) |")
        NEW_ROWS+=("| $W | $label | $(rate "run$i" newcomer) | $(categories "run$i") |")
    done <<<"$settings"
}

LEARN_ROWS=()
NEW_ROWS=()
world "$QUALITY_APPEAL_NOISE" "$QUALITY_QUIZ_NOISE" "$QUALITY_SETTINGS"
EXTRA_SETTINGS=$(head -"$QUALITY_EXTRA_RUNS" <<<"$QUALITY_SETTINGS")
for w in $QUALITY_EXTRA_WORLDS; do
    world "${w%%:*}" "${w##*:}" "$EXTRA_SETTINGS"
done

{
    echo "# personality_recommend offline quality, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- personality_ext.so $SO_ID (a private copy, pinned at CREATE EXTENSION), git $(git describe --always --dirty 2>/dev/null || echo unknown)"
    echo "- $QUALITY_MEMBERS members with hidden true trait vectors (Dirichlet-like, mean largest share $PEAK), a catalog of"
    echo "  $QUALITY_PRODUCTS products (bench/recommend_catalog.sql), each member liking the $(awk -v r="$QUALITY_LIKE_RATE" 'BEGIN { printf "%.0f", r * 100 }')% of the catalog with the highest"
    echo "  appeal = dot(true vector, product trait shares) + uniform noise in +-(appeal noise)"
    echo "- quiz answers: per question the option fitting the true vector best after uniform noise in [0, quiz noise) per"
    echo "  option; in brackets the share of answers equal to the noiseless best; cosine = mean cosine similarity of the"
    echo "  stored profile scores and the true vector"
    echo "- (d0) is the counterfactual of (d) without learning: the products ranked $((QUALITY_LEARN + 1))-$((QUALITY_LEARN + QUALITY_TOP)) after the quiz, i.e. what the"
    echo "  member would see next had the $QUALITY_LEARN swipes taught nothing ((d) can no longer show the $QUALITY_LEARN swiped products)"
    echo "- rate = positive-swipe rate of the $QUALITY_TOP products shown (all members); >= 75% = share of members whose own rate"
    echo "  is at least 75%. The seed's KPI: > 75% positive swipes."
    echo
    echo "| appeal noise | quiz noise | policy | settings | positive-swipe rate of top $QUALITY_TOP | members >= 75% | cosine(profile, truth) |"
    echo "|---:|---:|---|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "The $QUALITY_LEARN learning swipes themselves (the top $QUALITY_LEARN after the quiz), liked:"
    echo
    echo "| appeal noise | quiz noise | settings | liked | members >= 75% |"
    echo "|---:|---:|---|---:|---:|"
    printf '%s\n' "${LEARN_ROWS[@]}"
    echo
    echo "Quiz-only newcomers after everyone swiped (issue 23): the refresh learnt the model and the ranker's"
    echo "weights from all members' swipes; every fifth member then starts over with the quiz only:"
    echo
    echo "| appeal noise | quiz noise | settings | positive-swipe rate of top $QUALITY_TOP | members >= 75% | categories per list (min / mean) |"
    echo "|---:|---:|---|---:|---:|---:|"
    printf '%s\n' "${NEW_ROWS[@]}"
    echo
    echo "Total time: $(( SECONDS - START )) s."
} >"$REPORT"
cat "$REPORT"
