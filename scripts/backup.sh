#!/usr/bin/env bash
# Backups for a database using personality_ext (docs/runbook.md): the seed's daily and
# weekly pg_dump plan, made real.
#
#   scripts/backup.sh backup  [--weekly] DBNAME   compressed custom-format dump, dated name,
#                                                 and its SHA-256 in DUMPFILE.sha256
#   scripts/backup.sh verify  DUMPFILE DBNAME     check the SHA-256 (when DUMPFILE.sha256
#                                                 exists), restore into a scratch database
#                                                 and compare per-table row counts and
#                                                 checksums of the extension's tables (every
#                                                 table it has pg_dump dump) with DBNAME
#   scripts/backup.sh prune                       apply retention
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD) or a
# service. Settings (environment):
#   BACKUP_DIR=/var/backups/personality    where dumps go
#   BACKUP_KEEP_DAILY_DAYS=30              daily dumps older than this are deleted
#   BACKUP_KEEP_WEEKLY_DAYS=90             weekly dumps older than this are deleted
#   PGBIN=/usr/lib/postgresql/15/bin       client programs
# Exit status: 0 on success; 1 on any failure (a verify mismatch included), with the
# reason on stderr, so cron/monitoring can alert on it.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/personality}
KEEP_DAILY=${BACKUP_KEEP_DAILY_DAYS:-30}
KEEP_WEEKLY=${BACKUP_KEEP_WEEKLY_DAYS:-90}

die() { echo "backup.sh: $*" >&2; exit 1; }
say() { echo "backup.sh: $*"; }

# The extension's tables whose rows pg_dump dumps (pg_extension_config_dump), so new
# tables of later versions are compared too.
tables_of() {
    "$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c \
        "SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
          WHERE e.extname = 'personality_ext' ORDER BY 1"
}

# Per table: row count and an order-independent checksum of the rows' text.
fingerprint() {
    local db=$1 t
    for t in $TABLES; do
        "$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" -c \
            "SELECT '$t', count(*), coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '-')
               FROM $t x" || return 1
    done
}

cmd=${1:-}
case $cmd in
backup)
    shift
    kind=daily
    if [ "${1:-}" = "--weekly" ]; then kind=weekly; shift; fi
    db=${1:?usage: backup.sh backup [--weekly] DBNAME}
    mkdir -p "$BACKUP_DIR"
    file="$BACKUP_DIR/${db}_${kind}_$(date -u +%Y%m%dT%H%M%SZ).dump"
    "$PGBIN/pg_dump" -Fc -Z 6 -d "$db" -f "$file.partial" || die "pg_dump of $db failed"
    mv "$file.partial" "$file"
    sha256sum "$file" | cut -d' ' -f1 >"$file.sha256"
    say "wrote $file ($(du -h "$file" | cut -f1)) and $file.sha256"
    ;;
verify)
    shift
    file=${1:?usage: backup.sh verify DUMPFILE DBNAME}
    db=${2:?usage: backup.sh verify DUMPFILE DBNAME}
    [ -s "$file" ] || die "$file is missing or empty"
    # A bit flipped anywhere in the file (on disk, in a copy) is caught here; without
    # the checksum file only what the restore and the comparison notice is.
    if [ -f "$file.sha256" ]; then
        [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$(cut -d' ' -f1 "$file.sha256")" ] \
            || die "verification FAILED: $file does not match its checksum $file.sha256 (corrupted)"
    else
        say "no $file.sha256: checking by restore only"
    fi
    TABLES=$(tables_of "$db") || die "cannot read the extension's tables of $db"
    [ -n "$TABLES" ] || die "$db has no personality_ext tables"
    scratch="verify_$(date -u +%s)_$$"
    cleanup() { "$PGBIN/dropdb" --if-exists "$scratch" >/dev/null 2>&1 || true; }
    trap cleanup EXIT
    "$PGBIN/createdb" "$scratch" || die "cannot create scratch database $scratch"
    # Schema and data serially, then indexes and constraints (README "Backups").
    log=$(mktemp)
    if ! "$PGBIN/pg_restore" --exit-on-error --section=pre-data --section=data -d "$scratch" "$file" >"$log" 2>&1 \
       || ! "$PGBIN/pg_restore" --exit-on-error --section=post-data -d "$scratch" "$file" >>"$log" 2>&1; then
        cat "$log" >&2
        die "restore of $file failed"
    fi
    src=$(fingerprint "$db") || die "cannot read $db"
    dst=$(fingerprint "$scratch") || die "cannot read the restored copy"
    if [ "$src" != "$dst" ]; then
        diff <(echo "$src") <(echo "$dst") >&2 || true
        die "verification FAILED: $file does not restore to what $db holds (left: $db, right: restored)"
    fi
    links=$("$PGBIN/psql" -X -A -t -q -d "$scratch" -c "SELECT count(*) FROM personality_host_status() WHERE status <> 'linked'")
    [ "$links" = "0" ] || die "verification FAILED: restored foreign keys to the host tables are missing"
    say "verified $file against $db: $(echo "$src" | wc -l) tables, row counts and checksums equal"
    ;;
prune)
    [ -d "$BACKUP_DIR" ] || exit 0
    for kind_days in "daily:$KEEP_DAILY" "weekly:$KEEP_WEEKLY"; do
        find "$BACKUP_DIR" -maxdepth 1 -name "*_${kind_days%%:*}_*.dump" -mtime +"${kind_days#*:}" -print |
            while read -r old; do rm -f "$old" "$old.sha256"; echo "$old"; done
    done
    ;;
*)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
