#!/usr/bin/env bash
# Runs the test layers of personality_ext on throwaway clusters (docs/development.md).
# Needs root on Debian 12; installs what is missing first (scripts/setup.sh, skipped
# while nothing it installs changed: target/.setup-ok), including PostgreSQL 16-18.
#
#   bash scripts/test.sh                        every layer, every major (make test, CI)
#   bash scripts/test.sh --check                the development loop (make check): fmt,
#                                               unit, clippy, a debug install, pg_regress
#                                               and integration on one major (15)
#   PG_MAJORS=17 bash scripts/test.sh           every layer, one major
#   bash scripts/test.sh regress integration    chosen layers
#   bash scripts/test.sh regress=recommend      one pg_regress file by name
#   bash scripts/test.sh integration=host_rls   one integration/adversarial test file,
#   bash scripts/test.sh integration=host_rls:similar     ... and only tests matching
#
# Layers that install nothing (regress, integration, results) use the build installed
# last: run `install_extension` (release) or `dev_install` (debug) first.
# fmt and unit do not depend on the major and run once; the others run per major;
# cross_major compares the results the majors computed (layer `results`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --check ]; then
    shift
    export PG_MAJORS=${PG_MAJORS:-15}
    set -- fmt unit clippy dev_install regress integration "$@"
fi
# setup.sh is idempotent but slow to say so: skip it while its inputs are unchanged.
stamp=target/.setup-ok
setup_id=$(cat scripts/setup.sh scripts/majors.sh | sha256sum | cut -c1-16)-${PG_MAJORS:-all}
if [ "$(cat "$stamp" 2>/dev/null)" != "$setup_id" ] || ! cargo pgrx --version >/dev/null 2>&1; then
    bash scripts/setup.sh
    mkdir -p target
    echo "$setup_id" >"$stamp"
fi
source scripts/lib.sh
check_majors

passed=0
failed=0
failures=()
timings=()
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

# formatting, and the upgrade script is what scripts/upgrade_script.py generates
fmt() { cargo fmt --all -- --check && python3 scripts/upgrade_script.py --check; }
unit() { cargo test -p personality_core; }
clippy() { cargo clippy --workspace --all-targets "${PG_FEATURES[@]}" -- -D warnings; }
pg_tests() {
    # #[pg_test]s run inside a real backend; initdb refuses root, hence --runas.
    local dir
    dir=$(cluster_dir pgrx)
    as_pg mkdir -p "$dir"
    cargo pgrx test "pg$PG_MAJOR" --runas postgres --pgdata "$dir/data"
}
dev_install() {
    local log="$ROOT/target/dev-install-pg$PG_MAJOR.log"
    cargo pgrx install --pg-config "$PG_CONFIG" >"$log" 2>&1 || { tail -50 "$log"; return 1; }
}
regress() {
    cluster_start regress $((PORT_BASE + 1))
    # The postgres user runs pg_regress and must be able to read the inputs.
    local in out
    in=$(cluster_dir regress-in)
    out=$(cluster_dir regress-out)
    rm -rf "$in" "$out"
    mkdir -p "$in"
    cp -r tests/pg_regress/sql tests/pg_regress/expected "$in/"
    cp -r tests/fixtures "$in/fixtures"
    chown -R postgres "$in"
    as_pg mkdir -p "$out"
    local tests
    tests=${REGRESS_ONLY:-$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//' | sort)}
    local rc=0
    # psql reads each test on stdin, so \ir paths are relative to this directory.
    # shellcheck disable=SC2086
    (cd "$in/sql" && as_pg "$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress" \
        --bindir="$PGBIN" --host="$PGHOST" --port="$PGPORT" --user=postgres \
        --inputdir="$in" --outputdir="$out" \
        --dbname=personality_regress $tests) || rc=$?
    if [ $rc -ne 0 ] && [ -f "$out/regression.diffs" ]; then
        head -200 "$out/regression.diffs"
    fi
    cluster_stop regress
    return $rc
}
integration() {
    cluster_start integration $((PORT_BASE + 2))
    local rc=0
    PERSONALITY_IT_HOST=$PGHOST PERSONALITY_IT_PORT=$PGPORT PERSONALITY_IT_ROOT=$ROOT \
        PERSONALITY_IT_PGBIN=$PGBIN PERSONALITY_IT_PORT_BASE=$PORT_BASE \
        integration_tests || rc=$?
    cluster_stop integration
    return $rc
}
# Every integration and adversarial test, or INTEGRATION_ONLY=file[:filter].
integration_tests() {
    if [ -z "${INTEGRATION_ONLY:-}" ]; then
        cargo test -p personality_integration -p personality_adversarial --no-fail-fast -- --test-threads=2
        return
    fi
    local file=${INTEGRATION_ONLY%%:*} filter="" pkg
    [ "$file" != "$INTEGRATION_ONLY" ] && filter=${INTEGRATION_ONLY#*:}
    if [ -f "tests/integration/tests/$file.rs" ]; then
        pkg=personality_integration
    elif [ -f "tests/adversarial/tests/$file.rs" ]; then
        pkg=personality_adversarial
    else
        echo "no test file $file.rs in tests/integration/tests or tests/adversarial/tests"
        return 2
    fi
    cargo test -p "$pkg" --test "$file" -- --test-threads=2 $filter
}
# The canonical results of this major (tests/cross_major/results.sql) for cross_major.
results() {
    cluster_start results $((PORT_BASE + 4))
    mkdir -p target/cross-major
    local file=target/cross-major/pg$PG_MAJOR.txt rc=0
    rm -f "$file"
    psql -X -q -c "CREATE DATABASE personality_results" &&
        "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d personality_results \
            -f tests/cross_major/results.sql >"$file.partial" || rc=$?
    cluster_stop results
    [ $rc -eq 0 ] || { tail -20 "$file.partial"; return $rc; }
    mv "$file.partial" "$file"
    echo "$(wc -l <"$file") lines in $file"
}
cross_major() {
    local first="" m f rc=0
    for m in $PG_MAJORS; do
        f=target/cross-major/pg$m.txt
        [ -s "$f" ] || { echo "missing $f (layer results of $m failed or did not run)"; rc=1; continue; }
        if [ -z "$first" ]; then
            first=$f
        elif diff -u "$first" "$f" >"target/cross-major/diff-pg$m.txt"; then
            echo "$f = $first"
        else
            echo "$f differs from $first:"
            head -60 "target/cross-major/diff-pg$m.txt"
            rc=1
        fi
    done
    return $rc
}
package_test() { bash scripts/package.sh --test "$PG_MAJOR"; }

# `scripts/test.sh regress integration` runs only those layers (for development).
want=""
for l in ${*:-fmt unit clippy pg_tests install_extension regress integration results package cross_major}; do
    case $l in
    regress=*) REGRESS_ONLY=${l#regress=}; l=regress ;;
    integration=*) INTEGRATION_ONLY=${l#integration=}; l=integration ;;
    esac
    case $l in
    fmt | unit | clippy | pg_tests | install_extension | dev_install | regress | integration | results | package | cross_major) ;;
    *) echo "unknown layer $l"; exit 2 ;;
    esac
    want="$want $l"
done
has() { case " $want " in *" $1 "*) return 0 ;; esac; return 1; }

t_all=$SECONDS
has fmt && layer "cargo fmt --check, generated upgrade script" fmt
has unit && layer "unit and property tests (personality_core)" unit
for m in $PG_MAJORS; do
    use_major "$m"
    t_major=$SECONDS
    printf '\n##### PostgreSQL %s (%s) #####\n' "$m" "$("$PG_CONFIG" --version)"
    has clippy && layer "[pg$m] cargo clippy -D warnings" clippy
    has pg_tests && layer "[pg$m] pg_test (in-database Rust tests)" pg_tests
    has install_extension && layer "[pg$m] install release build" install_extension
    has dev_install && layer "[pg$m] install debug build" dev_install
    has regress && layer "[pg$m] pg_regress" regress
    has integration && layer "[pg$m] integration (roles, concurrency, dump/restore, upgrade)" integration
    has results && layer "[pg$m] canonical results" results
    has package && layer "[pg$m] package: build, install into a clean tree, smoke" package_test
    timings+=("pg$m $((SECONDS - t_major))s")
done
has cross_major && layer "cross-major: identical results on $(echo $PG_MAJORS | tr ' ' ',')" cross_major

echo
echo "time per major: ${timings[*]}; total $((SECONDS - t_all))s"
if [ $failed -gt 0 ]; then
    echo "failed layers: ${failures[*]}"
fi
echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
