# Sourced by backup.sh and restore.sh: find DATABASE_URL and the PostgreSQL client programs.
if [ -z "${DATABASE_URL:-}" ] && [ -f .env ]; then
  DATABASE_URL="$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1)"
fi
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *)
    echo "DATABASE_URL must name a PostgreSQL database (postgres://...); got '${DATABASE_URL:-}'." >&2
    echo "The embedded SQLite database is backed up by copying db.sqlite3 while illdesk is stopped." >&2
    exit 2
    ;;
esac
# PG_BINDIR selects a client version matching the server, e.g. /usr/lib/postgresql/15/bin.
PG_BIN="${PG_BINDIR:+$PG_BINDIR/}"
