#!/usr/bin/env bash
# MovieLens-100K replayed as swipes through the real extension (issue 14): baselines vs
# personality_recommend, in the same run. Protocol and operator mappings:
# docs/recommender-evaluation.md. The data is fetched from the PyPI wheel recbole==1.2.1
# (sha256 pinned) into target/bench/movielens/ and never committed (GroupLens terms).
#
#   bench/movielens/run.sh              # everything: split, SQL replay, offline engine, scores
#   SKIP_INSTALL=1 bench/movielens/run.sh        # use the extension already installed
#   MAPPINGS="a" REGIMES="cold" bench/movielens/run.sh   # a subset of the SQL replays
#   OFFLINE=0 bench/movielens/run.sh              # without the offline Rust rows
#   ENGINE_ARGS="--k 10" bench/movielens/run.sh   # knobs of the offline Rust evaluator
#   SETTINGS="personality.category_cap=1" LABEL=cap-off bench/movielens/run.sh
#                                     # extension settings (ALTER DATABASE ... SET) for the
#                                     # SQL replay; LABEL is appended to its ranking names
#
# The SQL replay, per operator mapping (a, b) and regime (warm, cold): a throwaway
# cluster (scripts/lib.sh, port PERSONALITY_PORT_BASE + 8), a database with the host
# schema (tests/fixtures/host_schema.sql), CREATE EXTENSION personality_ext, the mapping
# (bench/movielens/mapping_<m>.sql), the movies as products and every swipe INSERTed in
# time order through the learning trigger (bench/movielens/load.sql), then
# personality_refresh_model(true) and personality_recommend(person, 10) for each of the
# 943 persons. Results: target/bench/movielens/results.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$ROOT/target/bench
M=$B/movielens
WHEEL=recbole-1.2.1-py3-none-any.whl
SHA=9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
export OPENBLAS_NUM_THREADS=1 PYTHONWARNINGS=ignore
MAPPINGS=${MAPPINGS:-a b}
REGIMES=${REGIMES:-warm cold}

mkdir -p "$M"
if [ ! -x "$B/venv/bin/python" ]; then
  python3.11 -m venv "$B/venv"
  "$B/venv/bin/pip" -q install numpy scipy implicit
fi
if [ ! -f "$B/wheel/$WHEEL" ]; then
  "$B/venv/bin/pip" download -q --no-deps recbole==1.2.1 -d "$B/wheel"
fi
echo "$SHA  $B/wheel/$WHEEL" | sha256sum -c --quiet
DATA=$M/data/recbole/dataset_example/ml-100k
if [ ! -f "$DATA/ml-100k.inter" ]; then
  (cd "$B" && "$B/venv/bin/python" -m zipfile -e "wheel/$WHEEL" "$M/unzipped" >/dev/null)
  mkdir -p "$M/data/recbole/dataset_example"
  rm -rf "$DATA" && mv "$M/unzipped/recbole/dataset_example/ml-100k" "$DATA"
  rm -rf "$M/unzipped"
fi

PY="$B/venv/bin/python bench/movielens/eval.py"
$PY split --data "$DATA" --out "$M/split"
# a labelled run (other settings) adds its rows to the last full run's
if [ -z "${LABEL:-}" ]; then rm -rf "$M/rankings" "$M/sql"; fi
mkdir -p "$M/rankings" "$M/sql"

# ---- the extension, through SQL ----
source scripts/lib.sh
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  echo "installing the extension (release build) into $PG_CONFIG"
  install_extension
fi
cluster_start movielens $((PORT_BASE + 8))
trap 'cluster_stop movielens' EXIT
P() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for m in $MAPPINGS; do
  for regime in $REGIMES; do
    db=ml_${m}_$regime
    out=$M/sql/${m}_$regime${LABEL:+_$LABEL}
    mkdir -p "$out"
    echo "SQL replay: mapping $m, $regime"
    P -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    P -d "$db" -f tests/fixtures/host_schema.sql
    P -d "$db" -c "CREATE EXTENSION personality_ext"
    for kv in ${SETTINGS:-}; do
      P -d postgres -c "ALTER DATABASE $db SET ${kv%%=*} = '${kv#*=}'"
    done
    P -d "$db" -f "bench/movielens/mapping_$m.sql"
    P -d "$db" -c "CREATE SCHEMA ml" \
      -c "CREATE TABLE ml.items (item int PRIMARY KEY, category text, tags text)" \
      -c 'CREATE TABLE ml.swipes ("user" int, item int, direction text, rating int, ts bigint, seq int)'
    P -d "$db" -c "COPY ml.items FROM STDIN (FORMAT csv, HEADER)" <"$M/split/items.csv"
    P -d "$db" -c "COPY ml.swipes FROM STDIN (FORMAT csv, HEADER)" <"$M/split/$regime/swipes.csv"
    t0=$SECONDS
    P -d "$db" -f bench/movielens/load.sql >"$out/load.log"
    echo "  loaded, refreshed and ranked in $((SECONDS - t0)) s"
    P -d "$db" -c "COPY (SELECT \"user\", item, rank FROM ml.ranking ORDER BY 1, 3) TO STDOUT (FORMAT csv, HEADER)" \
      >"$M/rankings/${regime}__personality_recommend-SQL-mapping-${m^^}${LABEL:+-$LABEL}.csv"
    # the ranker's weights as the refresh learnt them (issue 23)
    P -d "$db" -A -F ' | ' -c "SELECT feature, round(weight::numeric, 3) AS weight, source, status, examples,
                                      round(auc_learnt::numeric, 3) AS auc_learnt, round(auc_default::numeric, 3) AS auc_default
                                 FROM personality_ranker ORDER BY ord" >"$out/ranker.txt"
    sed 's/^/  /' "$out/ranker.txt"
    if [ "${AUC:-1}" != 0 ]; then
      P -d "$db" -f bench/movielens/full_lists.sql
      P -d "$db" -c "COPY (SELECT \"user\", item, rank FROM ml.ranking_full ORDER BY 1, 3) TO STDOUT (FORMAT csv, HEADER)" \
        >"$out/full.csv"
      $PY auc --split "$M/split" --regime "$regime" \
        --ranking "personality_recommend-SQL-mapping-${m^^}${LABEL:+-$LABEL}=$out/full.csv" --md "$out/auc.md"
    fi
    P -d "$db" -c "COPY (SELECT right(product_id::text, 12)::int AS item,
                                (adventurous * strength)::float8 AS a1, (intellectual * strength)::float8 AS a2,
                                (practical * strength)::float8 AS a3, (creative * strength)::float8 AS a4,
                                (social * strength)::float8 AS a5
                           FROM personality_product_vectors ORDER BY 1) TO STDOUT (FORMAT csv, HEADER)" >"$out/vectors.csv"
    P -d "$db" -c "COPY (SELECT right(user_id::text, 12)::int AS \"user\", state[1] AS s1, state[2] AS s2,
                                state[3] AS s3, state[4] AS s4, state[5] AS s5, state[6] AS swipes,
                                state[21] AS likes, state[22] AS dislikes
                           FROM personality_learning_state ORDER BY 1) TO STDOUT (FORMAT csv, HEADER)" >"$out/learnt.csv"
    # what the engine did with people who never took the quiz, and its request latency
    P -d "$db" -A -F ' | ' -P footer=off >"$out/summary.txt" <<'SQL'
SELECT 'profiles by method' AS what, assessment_method AS value, count(*) AS n
  FROM personality_profiles GROUP BY 2
UNION ALL
SELECT 'recommendations by engine', algorithm_version, count(*) FROM personality_recommendations GROUP BY 2
UNION ALL
SELECT 'lists with a "because you liked" reason', NULL, count(DISTINCT user_id)
  FROM personality_recommendations WHERE recommendation_reasons::text LIKE '%because you liked%'
UNION ALL
SELECT 'personality_recommend ms p50 / p95 / max',
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' / ' ||
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' / ' ||
       round(max(ms)::numeric, 1), count(*)
  FROM ml.latency
UNION ALL
SELECT 'full refresh ms / swipes read', round(refresh_ms)::text || ' / ' || swipes_read, NULL
  FROM personality_model_state
ORDER BY 1, 2;
SQL
    grep -E "INSERT|refresh|Time" "$out/load.log" | sed 's/^/  /' || true
    sed 's/^/  /' "$out/summary.txt"
    $PY traits --split "$M/split" --regime "$regime" --vectors "$out/vectors.csv" \
      --learnt "$out/learnt.csv" --md "$out/traits.md"
  done
done
cluster_stop movielens
trap - EXIT

# ---- the offline Rust replica of the engine (core/examples/ml100k.rs) ----
if [ "${OFFLINE:-1}" != 0 ]; then
  cargo run -q --release -p personality_core --example ml100k -- \
    --split "$M/split" --out "$M/offline" ${ENGINE_ARGS:-}
  for f in "$M"/offline/*.csv; do
    base=$(basename "$f" .csv)
    cp "$f" "$M/rankings/${base%%__*}__offline-${base#*__}.csv"
  done
fi

args=()
for f in "$M"/rankings/*.csv; do
  base=$(basename "$f" .csv)        # <regime>__<policy>
  regime=${base%%__*}; name=${base#*__}
  args+=(--ranking "$name=$regime:$f")
done
$PY score --split "$M/split" "${args[@]}" --md "$M/results.md"
for f in "$M"/sql/*/auc.md; do
  printf '\n%s\n\n' "$(basename "$(dirname "$f")")" >>"$M/results.md"
  cat "$f" >>"$M/results.md"
done
for f in "$M"/sql/*/traits.md; do
  printf '\n%s\n\n' "$(basename "$(dirname "$f")")" >>"$M/results.md"
  cat "$f" >>"$M/results.md"
done
echo "results: $M/results.md"
