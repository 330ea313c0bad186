#!/usr/bin/env bash
# Scale-out check: two gunicorn instances (docker/entrypoint.sh, production settings, debug off)
# behind nginx on 127.0.0.1 (round robin), sharing one PostgreSQL database and one cache; run
# once with the database cache (the default) and once with Redis (REDIS_URL). In each, through
# bench/scaleout/check.py: a signed-in participant stays signed in whichever instance answers,
# an entry edited through A shows at once on pages served by B, and allauth's limit of 10 failed
# sign-ins a minute counts across both instances.
#
#   scripts/scaleout_check.sh        (make scaleout-check)
#
# Loopback only; a watchdog stops it after SCALEOUT_TIMEOUT seconds (default 60; each mode's checks SCALEOUT_STEP_TIMEOUT, default 40). It removes its
# database, its Redis database (SCALEOUT_REDIS_DB, default 14, emptied at start and end), its
# temp folder and every process it started, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PY=${PYTHON:-$ROOT/.venv/bin/python}
PORT_LB=${SCALEOUT_PORT:-18180}
PORT_A=$((PORT_LB + 1))
PORT_B=$((PORT_LB + 2))
REDIS_DB=${SCALEOUT_REDIS_DB:-14}
REDIS_URL_SHARED="redis://127.0.0.1:6379/${REDIS_DB}"
DB="hundreddays_scaleout_$$"
PG="psql -h 127.0.0.1 -U postgres -qAt"
LIMIT=${SCALEOUT_TIMEOUT:-60}
EMAIL="scale@example.com"
PASSWORD="scale-out check $$"
HANDLE="scale"
STATIC_ROOT="$ROOT/bench/results/static"

command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install -y nginx)." >&2; exit 1; }
for port in "$PORT_LB" "$PORT_A" "$PORT_B"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port on 127.0.0.1 is in use; set SCALEOUT_PORT to a free range." >&2
    exit 1
  fi
done

TMP=$(mktemp -d /tmp/hd-scaleout.XXXXXX)
chmod 711 "$TMP" # nginx's workers (nobody) must reach their temp folders inside
PIDS=()
started=$(date +%s)

cleanup() {
  status=$?
  trap - EXIT INT TERM
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$TMP"/*.log; do [ -s "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 15 "$log"; }; done
  fi
  $PG -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -n "$REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  rm -rf "$TMP"
  echo "scale-out check: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
(sleep "$LIMIT" && echo "scale-out check: over ${LIMIT} s, stopping" >&2 && kill -TERM $$) &
WATCHDOG=$!

export PATH="$ROOT/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=hundreddays.settings
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="scaleout-check-only-${DB}-0123456789abcdefghijklmnopqrstuvwxyz"
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DJANGO_STATIC_ROOT="$STATIC_ROOT"
export DJANGO_LOG_LEVEL=WARNING
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB}"
# nginx appends the client to X-Forwarded-For: allauth counts failed sign-ins per that address.
export DJANGO_TRUSTED_PROXY_COUNT=1
export GUNICORN_WORKERS=2 DB_WAIT_TIMEOUT=20

$PG -c "CREATE DATABASE ${DB}" >/dev/null
redis-cli -h 127.0.0.1 -n "$REDIS_DB" FLUSHDB >/dev/null

# Hashed static files (debug off needs the manifest); collected again only when a source changed.
manifest="$STATIC_ROOT/staticfiles.json"
if [ ! -f "$manifest" ] || [ -n "$(find static ./*/static -newer "$manifest" -print -quit 2>/dev/null)" ]; then
  "$PY" manage.py collectstatic --noinput -v0
fi

sed -e "s|@TMP@|$TMP|g" -e "s|@PORT_LB@|$PORT_LB|g" -e "s|@PORT_A@|$PORT_A|g" -e "s|@PORT_B@|$PORT_B|g" \
  bench/scaleout/nginx.conf.template >"$TMP/nginx.conf"
nginx -e stderr -p "$TMP" -c "$TMP/nginx.conf" -t -q
nginx -e stderr -p "$TMP" -c "$TMP/nginx.conf" -g "daemon off;" 2>>"$TMP/nginx.log" &
PIDS+=($!)

wait_healthy() { # port, seconds
  for _ in $(seq $(($2 * 5))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
    sleep 0.2
  done
  echo "Nothing healthy on 127.0.0.1:$1 after $2 s." >&2
  return 1
}

start_instance() { # name, port, migrate (true/false)
  GUNICORN_BIND="127.0.0.1:$2" DJANGO_MIGRATE_ON_START="$3" \
    bash docker/entrypoint.sh >>"$TMP/$1.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$1=$!"
}

stop_instances() {
  for pid in "$PID_a" "$PID_b"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$PID_a" "$PID_b"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

for mode in database redis; do
  if [ "$mode" = redis ]; then export REDIS_URL="$REDIS_URL_SHARED"; else unset REDIS_URL; fi
  echo "== ${mode} cache: instances A :$PORT_A and B :$PORT_B behind nginx :$PORT_LB"
  # A migrates on its first start (as the first web container would); B never does.
  first=$([ "$mode" = database ] && echo true || echo false)
  start_instance a "$PORT_A" "$first"
  wait_healthy "$PORT_A" 30
  start_instance b "$PORT_B" false
  date=$(
    "$PY" manage.py shell -c "
from datetime import timedelta
from django.contrib.auth import get_user_model
from journal import clock, services
from journal.models import Entry
User = get_user_model()
user = User.objects.filter(email='$EMAIL').first()
if user is None:
    user = User.objects.create_user(email='$EMAIL', password='$PASSWORD', handle='$HANDLE', display_name='Scale Out')
    # Sign-in needs a confirmed address (mandatory verification).
    from allauth.account.models import EmailAddress
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    round = services.start_round(user, start_date=clock.today_for(user) - timedelta(days=3), visibility='public')
    services.create_entry(round, date=round.start_date + timedelta(days=1), progress='Version one')
entry = Entry.objects.get(round__user=user)
services.update_entry(entry, progress='Version one')
print(entry.date.isoformat())
" 2>>"$TMP/setup.log" | tail -n 1
  )
  wait_healthy "$PORT_B" 30
  wait_healthy "$PORT_LB" 5
  timeout "${SCALEOUT_STEP_TIMEOUT:-40}" "$PY" bench/scaleout/check.py --lb "$PORT_LB" --a "$PORT_A" --b "$PORT_B" \
    --email "$EMAIL" --password "$PASSWORD" --handle "$HANDLE" --date "$date" --mode "$mode"
  stop_instances
done
