#!/usr/bin/env bash
# The demo (README "Quick start"): builds and installs personality_ext, starts a
# throwaway PostgreSQL cluster under target/ (15 on port 5493 by default; PG_MAJOR=17
# picks another supported major, on port 5493 + 10 x (major - 15)), creates a small
# gifting app schema with a generated sample catalog, installs the extension and shows
# it work.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
PG_MAJORS=$PG_MAJOR bash scripts/setup.sh
source scripts/lib.sh
check_majors
use_major "$PG_MAJOR"

echo "[demo] building and installing the extension into $("$PG_CONFIG" --version) (release build, 1-3 minutes)"
install_extension
cluster_start demo $((PORT_BASE + 3))
DB=personality_demo
psql -X -q -c "CREATE DATABASE $DB"
PSQL=(psql -X -q -d "$DB" -v ON_ERROR_STOP=1)

echo "[demo] host app schema: profiles, categories, products (2,000), swipes; 50 users"
"${PSQL[@]}" -f tests/fixtures/host_schema.sql
"${PSQL[@]}" -v products=2000 -v users=50 -f tests/fixtures/sample_data.sql

section() { printf '\n==== %s ====\n' "$*"; }

section "CREATE EXTENSION personality_ext"
"${PSQL[@]}" -c "CREATE EXTENSION personality_ext"
"${PSQL[@]}" -c "SELECT extname, extversion FROM pg_extension WHERE extname = 'personality_ext'"

section "Linked to the host tables (foreign keys, ON DELETE CASCADE)"
"${PSQL[@]}" -c "SELECT constraint_name, status FROM personality_host_status()"

section "Default gift mappings, one per trait"
"${PSQL[@]}" -c "SELECT personality_type, recommended_categories, avoided_categories, recommendation_weight
                 FROM personality_gift_mappings ORDER BY personality_type"

for step in scripts/demo.d/*.sh; do
    [ -e "$step" ] || continue
    # shellcheck source=/dev/null
    source "$step"
done

section "Done"
cat <<TXT
The demo cluster is still running. Connect with:
    psql -h $PGHOST -p $PGPORT -U postgres $DB
Stop it with:
    sudo -u postgres $PGBIN/pg_ctl -D $PGHOST/data stop
TXT
