#!/usr/bin/env bash
# Builds the installable artefacts of personality_ext, one set per PostgreSQL major
# (`make package`), into target/package/:
#   personality_ext-<version>-pg<N>-linux-x86_64.tar.gz
#       lib/personality_ext.so and share/extension/* laid out like a Postgres tree
#       (pg_config --pkglibdir and --sharedir), with install.sh [path/to/pg_config]
#   postgresql-<N>-personality-ext_<version>_amd64.deb
#       the same files at the paths of Debian's / PGDG's postgresql-<N>
#
#   bash scripts/package.sh [--test] [MAJOR ...]   (default: PG_MAJORS, every supported major)
#
# --test installs each artefact into a clean copy of that major's Postgres tree and runs
# CREATE EXTENSION plus the smoke queries of tests/package/smoke.sql on a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
testing=
if [ "${1:-}" = --test ]; then
    testing=1
    shift
fi
if [ $# -gt 0 ]; then PG_MAJORS="$*"; fi
bash scripts/setup.sh
source scripts/lib.sh
check_majors

VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
OUT=$ROOT/target/package
mkdir -p "$OUT"
say() { printf '[package] %s\n' "$*"; }

# build MAJOR: the tarball and the .deb of the current major.
build() {
    local m=$PG_MAJOR stage=$OUT/stage-pg$PG_MAJOR name=personality_ext-$VERSION-pg$PG_MAJOR
    local log=$OUT/build-pg$m.log
    rm -rf "$stage"
    say "cargo pgrx package for PostgreSQL $m (release build)"
    cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$stage" >"$log" 2>&1 ||
        { tail -40 "$log"; return 1; }
    # cargo pgrx package lays the files out under the absolute paths of pg_config.
    local libdir=$stage$("$PG_CONFIG" --pkglibdir) extdir=$stage$("$PG_CONFIG" --sharedir)/extension
    [ -f "$libdir/personality_ext.so" ] && [ -f "$extdir/personality_ext.control" ] ||
        { say "cargo pgrx package left no personality_ext.so/.control under $stage"; return 1; }

    local tree=$OUT/$name
    rm -rf "$tree"
    mkdir -p "$tree/lib" "$tree/share/extension"
    cp "$libdir/personality_ext.so" "$tree/lib/"
    cp "$extdir"/personality_ext.control "$extdir"/personality_ext--*.sql "$tree/share/extension/"
    cat >"$tree/install.sh" <<SH
#!/bin/sh
# Installs personality_ext $VERSION into PostgreSQL $m: ./install.sh [path/to/pg_config]
set -eu
PG_CONFIG=\${1:-\${PG_CONFIG:-pg_config}}
here=\$(cd "\$(dirname "\$0")" && pwd)
version=\$("\$PG_CONFIG" --version)
case "\$version" in
"PostgreSQL $m."*) ;;
*) echo "this package is for PostgreSQL $m, \$PG_CONFIG is \$version" >&2; exit 1 ;;
esac
install -m 755 "\$here/lib/personality_ext.so" "\$("\$PG_CONFIG" --pkglibdir)/"
install -m 644 "\$here"/share/extension/* "\$("\$PG_CONFIG" --sharedir)/extension/"
echo "personality_ext $VERSION installed into \$version; now: CREATE EXTENSION personality_ext;"
SH
    chmod 755 "$tree/install.sh"
    printf 'personality_ext %s for PostgreSQL %s (x86_64 Linux, glibc >= 2.36).\n%s\n' "$VERSION" "$m" \
        'lib/ goes into `pg_config --pkglibdir`, share/extension/ into `pg_config --sharedir`/extension: ./install.sh [pg_config]' \
        >"$tree/README.txt"
    tar -C "$OUT" --owner=0 --group=0 -czf "$OUT/$name-linux-x86_64.tar.gz" "$name"
    say "$OUT/$name-linux-x86_64.tar.gz"

    # The .deb: Debian's / PGDG's layout for postgresql-N.
    local deb=$OUT/deb-pg$m pkg=postgresql-$m-personality-ext
    rm -rf "$deb"
    mkdir -p "$deb/DEBIAN" "$deb/usr/lib/postgresql/$m/lib" "$deb/usr/share/postgresql/$m/extension"
    install -m 644 "$tree/lib/personality_ext.so" "$deb/usr/lib/postgresql/$m/lib/"
    install -m 644 "$tree"/share/extension/* "$deb/usr/share/postgresql/$m/extension/"
    cat >"$deb/DEBIAN/control" <<CTL
Package: $pkg
Version: $VERSION
Architecture: amd64
Maintainer: personality_ext maintainers <noreply@example.invalid>
Depends: postgresql-$m, libc6 (>= 2.36)
Section: database
Priority: optional
Installed-Size: $(du -sk "$deb/usr" | cut -f1)
Description: personality-driven gift recommendations inside PostgreSQL $m
 personality_ext: CREATE EXTENSION personality_ext; (superuser). Built with pgrx.
CTL
    dpkg-deb --root-owner-group -Zxz --build "$deb" "$OUT/${pkg}_${VERSION}_amd64.deb" >/dev/null
    say "$OUT/${pkg}_${VERSION}_amd64.deb"
}

# copy_tree DEST: a copy of the current major's Postgres installation under DEST, keeping
# the relative positions of bindir, pkglibdir and sharedir (Postgres finds them relative
# to its binaries), without personality_ext. Prints the copy's pg_config.
copy_tree() {
    local dest=$1 d common
    local dirs=("$(dirname "$("$PG_CONFIG" --bindir)")" "$("$PG_CONFIG" --pkglibdir)" "$("$PG_CONFIG" --sharedir)")
    common=${dirs[0]}
    for d in "${dirs[@]}"; do
        while [ "${d#"$common"/}" = "$d" ] && [ "$d" != "$common" ]; do common=$(dirname "$common"); done
    done
    rm -rf "$dest"
    for d in "${dirs[@]}"; do
        if [ "$d" = "$common" ]; then
            cp -a "$d" "$dest"
        elif [ ! -e "$dest${d#"$common"}" ]; then
            mkdir -p "$dest$(dirname "${d#"$common"}")"
            cp -a "$d" "$dest${d#"$common"}"
        fi
    done
    local pgc=$dest${PG_CONFIG#"$common"}
    rm -f "$("$pgc" --pkglibdir)"/personality_ext.so "$("$pgc" --sharedir)"/extension/personality_ext*
    echo "$pgc"
}

# smoke PG_CONFIG PORT LABEL: initdb + start with that tree, CREATE EXTENSION, smoke queries.
smoke() {
    local pgc=$1 port=$2 label=$3 bin dir rc=0
    bin=$("$pgc" --bindir)
    dir=$(cluster_dir "package-$label")
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    as_pg mkdir -p "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
        { cat "$dir.initdb.log"; return 1; }
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null
    "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -c "CREATE DATABASE smoke" &&
        "$bin/psql" -X -q -A -t -h "$dir" -p "$port" -U postgres -d smoke -v ON_ERROR_STOP=1 \
            -v expected_major="$PG_MAJOR" -v expected_version="$VERSION" \
            -f tests/package/smoke.sql || rc=$?
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    [ $rc -eq 0 ] || tail -20 "$dir/server.log"
    return $rc
}

# test_artefacts: the tarball and the .deb of the current major, each into a clean tree.
test_artefacts() {
    local m=$PG_MAJOR name=personality_ext-$VERSION-pg$PG_MAJOR work=$OUT/test-pg$PG_MAJOR pgc
    rm -rf "$work"
    mkdir -p "$work"
    say "pg$m: tarball into a clean copy of $(dirname "$PG_CONFIG")/.."
    pgc=$(copy_tree "$work/tar-tree")
    tar -C "$work" -xzf "$OUT/$name-linux-x86_64.tar.gz"
    "$work/$name/install.sh" "$pgc"
    smoke "$pgc" $((PORT_BASE + 5)) tar

    # The .deb: its files extracted into a clean Debian-layout root D (D/usr/lib/postgresql/N,
    # D/usr/share/postgresql/N). Debian's 15 is such a tree already; 16..18 (relocatable,
    # share next to lib) get D/usr/lib/postgresql/N/share -> D/usr/share/postgresql/N.
    local deb=$OUT/postgresql-$m-personality-ext_${VERSION}_amd64.deb root=$work/deb-root
    local info
    info=$(dpkg-deb --info "$deb")
    grep -q "Depends: postgresql-$m," <<<"$info" || { say "$deb: bad control"; return 1; }
    rm -rf "$root"
    if [ "$("$PG_CONFIG" --sharedir)" != "$(dirname "$("$PG_CONFIG" --bindir)")/share" ]; then
        pgc=$(copy_tree "$root/usr") # Debian's layout already
    else
        local t
        t=$(copy_tree "$work/wheel")
        t=$(dirname "$(dirname "$t")")
        mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql"
        mv "$t" "$root/usr/lib/postgresql/$m"
        mv "$root/usr/lib/postgresql/$m/share" "$root/usr/share/postgresql/$m"
        ln -s "../../../share/postgresql/$m" "$root/usr/lib/postgresql/$m/share"
        pgc=$root/usr/lib/postgresql/$m/bin/pg_config
    fi
    say "pg$m: .deb extracted into a clean Debian-layout root"
    dpkg-deb -x "$deb" "$root"
    [ -f "$("$pgc" --pkglibdir)/personality_ext.so" ] ||
        { say "the .deb did not put personality_ext.so into $("$pgc" --pkglibdir)"; return 1; }
    smoke "$pgc" $((PORT_BASE + 6)) deb
    rm -rf "$work"
}

for m in $PG_MAJORS; do
    use_major "$m"
    build
    if [ -n "$testing" ]; then test_artefacts; fi
done
say "done: $(cd "$OUT" && ls -- *.tar.gz *.deb | tr '\n' ' ')"
