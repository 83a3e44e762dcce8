#!/usr/bin/env bash
# Back up the PostgreSQL database named by DATABASE_URL to a custom-format dump (pg_dump -Fc).
# Usage: scripts/backup.sh [FILE]   (default: backups/illdesk-<UTC timestamp>.dump)
# DATABASE_URL comes from the environment, or from .env in the project folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/database_url.sh

file="${1:-backups/illdesk-$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$file")"
# Write to a temporary name first: an interrupted dump never looks like a finished backup.
"${PG_BIN}pg_dump" --format=custom --no-owner --dbname="$DATABASE_URL" --file="$file.partial"
mv "$file.partial" "$file"
echo "Backup written to $file"
