#!/usr/bin/env bash
# MovieLens-100K replayed as swipes (issue 14): baselines vs personality_recommend 0.2.0
# vs the collaborative engine (personality_core::collab). Protocol:
# docs/recommender-evaluation.md. The data is fetched from the PyPI wheel recbole==1.2.1
# (sha256 pinned) into target/bench/movielens/ and never committed (GroupLens terms).
#
#   bench/movielens/run.sh            # split, Rust rankings, scores -> results.md
#   ENGINE_ARGS="--k 10" bench/movielens/run.sh   # pass knobs to the Rust evaluator
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$ROOT/target/bench
M=$B/movielens
WHEEL=recbole-1.2.1-py3-none-any.whl
SHA=9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
export OPENBLAS_NUM_THREADS=1 PYTHONWARNINGS=ignore

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

cargo run -q --release -p personality_core --example ml100k -- \
  --split "$M/split" --out "$M/rankings" ${ENGINE_ARGS:-}

args=()
for f in "$M"/rankings/*.csv; do
  base=$(basename "$f" .csv)        # <regime>__<policy>
  regime=${base%%__*}; name=${base#*__}
  args+=(--ranking "$name=$regime:$f")
done
$PY score --split "$M/split" "${args[@]}" --md "$M/results.md"
echo "results: $M/results.md"
