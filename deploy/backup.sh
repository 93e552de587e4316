#!/usr/bin/env bash
# Dump the line's PostgreSQL database to BACKUP_DIR (custom format, for pg_restore) and delete dumps
# older than KEEP_DAYS. The dump holds callers' data encrypted with IVR_DATA_KEY: keep the keys
# elsewhere than the dumps, and both safe (docs/deploy.md, "Backups").
set -euo pipefail
: "${DATABASE_URL:?is not set: run with the environment file of the line, /etc/dril-ivr/env}"
folder="${BACKUP_DIR:-/var/backups/dril-ivr}"
# SQLAlchemy's URL names its driver (postgresql+psycopg://); libpq's tools take postgresql://.
url="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
case "$url" in
  postgresql:*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL database; back up a SQLite file with sqlite3 .backup" >&2; exit 2 ;;
esac
mkdir -p "$folder"
file="$folder/ivr-$(date -u +%Y-%m-%dT%H%M%SZ).dump"
# Written beside, then renamed: a half-written dump never looks like a backup.
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial" "$url"
mv "$file.partial" "$file"
find "$folder" -maxdepth 1 -name 'ivr-*.dump' -mtime +"${KEEP_DAYS:-30}" -delete
echo "$file"
