#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into the PostgreSQL database named by DATABASE_URL.
# Existing illdesk tables are dropped and recreated, in one transaction: on any error nothing changes.
# Usage: scripts/restore.sh FILE
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/database_url.sh

file="${1:-}"
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "usage: make restore FILE=backups/illdesk-<timestamp>.dump (file not found: '$file')" >&2
  exit 2
fi
"${PG_BIN}pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$file"
echo "Restored $file"
