#!/usr/bin/env bash
# Runs every test layer of personality_ext on throwaway clusters (README "Testing").
# Needs root on Debian 12; installs what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/lib.sh

passed=0
failed=0
failures=()
layer() {
    local name=$1
    shift
    printf '\n=== %s ===\n' "$name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        printf '=== %s: ok (%ss) ===\n' "$name" $((SECONDS - t0))
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '=== %s: FAILED (%ss) ===\n' "$name" $((SECONDS - t0))
    fi
}

fmt() { cargo fmt --all -- --check; }
clippy() { cargo clippy --workspace --all-targets -- -D warnings; }
unit() { cargo test -p personality_core; }
pg_tests() {
    # #[pg_test]s run inside a real backend; initdb refuses root, hence --runas.
    as_pg mkdir -p "$PGROOT/pgrx"
    cargo pgrx test pg15 --runas postgres --pgdata "$PGROOT/pgrx/data"
}
regress() {
    cluster_start regress $((PORT_BASE + 1))
    # The postgres user runs pg_regress and must be able to read the inputs.
    rm -rf "$PGROOT/regress-in" "$PGROOT/regress-out"
    mkdir -p "$PGROOT/regress-in"
    cp -r tests/pg_regress/sql tests/pg_regress/expected "$PGROOT/regress-in/"
    cp -r tests/fixtures "$PGROOT/regress-in/fixtures"
    chown -R postgres "$PGROOT/regress-in"
    as_pg mkdir -p "$PGROOT/regress-out"
    local tests
    tests=$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//' | sort)
    local rc=0
    # psql reads each test on stdin, so \ir paths are relative to this directory.
    # shellcheck disable=SC2086
    (cd "$PGROOT/regress-in/sql" && as_pg "$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress" \
        --host="$PGHOST" --port="$PGPORT" --user=postgres \
        --inputdir="$PGROOT/regress-in" --outputdir="$PGROOT/regress-out" \
        --dbname=personality_regress $tests) || rc=$?
    if [ $rc -ne 0 ] && [ -f "$PGROOT/regress-out/regression.diffs" ]; then
        head -200 "$PGROOT/regress-out/regression.diffs"
    fi
    cluster_stop regress
    return $rc
}
integration() {
    cluster_start integration $((PORT_BASE + 2))
    local rc=0
    PERSONALITY_IT_HOST=$PGHOST PERSONALITY_IT_PORT=$PGPORT PERSONALITY_IT_ROOT=$ROOT \
        PERSONALITY_IT_PGBIN=$PGBIN PERSONALITY_IT_PORT_BASE=$PORT_BASE \
        cargo test -p personality_it -p personality_adversarial --no-fail-fast -- --test-threads=2 || rc=$?
    cluster_stop integration
    return $rc
}

# `scripts/test.sh regress integration` runs only those layers (for development).
want=${*:-fmt clippy unit pg_tests install_extension regress integration}
for l in $want; do
    case $l in
    fmt) layer "cargo fmt --check" fmt ;;
    clippy) layer "cargo clippy -D warnings" clippy ;;
    unit) layer "unit and property tests (personality_core)" unit ;;
    pg_tests) layer "pg_test (in-database Rust tests)" pg_tests ;;
    install_extension) layer "install release build" install_extension ;;
    regress) layer "pg_regress" regress ;;
    integration) layer "integration (roles, concurrency, dump/restore)" integration ;;
    *) echo "unknown layer $l"; exit 2 ;;
    esac
done

echo
if [ $failed -gt 0 ]; then
    echo "failed layers: ${failures[*]}"
fi
echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
