#!/usr/bin/env bash
# Start of the web container: wait for the database (DB_WAIT_TIMEOUT seconds, default 60), migrate,
# then exec the command (gunicorn by default) so it is PID 1 and gets docker's signals itself.
# Also runs outside a container: scripts/check_production.py starts it against a local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  set -- gunicorn --config docker/gunicorn.conf.py
fi

python manage.py wait_for_db --timeout "${DB_WAIT_TIMEOUT:-60}"

# Several web containers against one database: let one migrate, start the others with this off.
case "${DJANGO_MIGRATE_ON_START:-true}" in
  true | 1 | yes | on) python manage.py migrate --noinput ;;
  false | 0 | no | off) echo "DJANGO_MIGRATE_ON_START is off: not migrating." ;;
  *)
    echo "Configuration error: DJANGO_MIGRATE_ON_START must be true or false, not '${DJANGO_MIGRATE_ON_START}'." >&2
    exit 1
    ;;
esac

exec "$@"
