#!/usr/bin/env bash
# Reliability checks (issue 8), run by .ci/run through `make reliability`. Each step is bounded:
#   migrations  makemigrations --check, then django-migration-linter on our apps (warnings are errors);
#   reloads     gunicorn (production settings) HUP-reloaded twice while workers recycle through a low
#               max_requests, under load: no non-2xx read, every write a 302 in the database, /healthz 200;
#   markdown    five concurrent POSTs of 3,000 backticks, then five of the other pathological inputs of
#               issue 12: each a 302 or 400 within 2 s, /healthz 200 within 1 s throughout;
#   db restart  a request every 50 ms while PostgreSQL restarts: only requests in flight fail, then 0 of
#               the next 60. Only with CI=true or RELIABILITY_RESTART_DB=1: it cuts every connection of
#               that cluster, other people's test runs included. PostgreSQL is started again on exit;
#   soak        RELIABILITY_SOAK_SECONDS (60) of mixed reads of every page kind and entry writes by 20
#               participants at 32 connections: no response >= 500, rows in the database = 302s;
#   backups     pg_dump -Fc | pg_restore into a new database, and the JSON export | import into another:
#               the SHA-256 of scripts/reliability/canonical.sql is equal, and new writes work after each.
# Everything runs against fresh databases on 127.0.0.1:5432 (user postgres, trust), dropped on exit.
# Settings: RELIABILITY_SOAK_SECONDS, RELIABILITY_RESTART_DB=1, RELIABILITY_PG_CLUSTER / _PG_PORT (the
# cluster to restart, default main / 5432; a throwaway one keeps a shared machine undisturbed),
# RELIABILITY_FIGURES (a file to append the figures to, as JSON lines).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

SOAK_SECONDS="${RELIABILITY_SOAK_SECONDS:-60}"
PG_VERSION="${RELIABILITY_PG_VERSION:-$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -1)}"
PG_CLUSTER="${RELIABILITY_PG_CLUSTER:-main}"
PG_PORT="${RELIABILITY_PG_PORT:-5432}"
case "${CI:-}:${RELIABILITY_RESTART_DB:-}" in
  true:* | 1:* | *:1 | *:true) RESTART_DB=1 ;;
  *) RESTART_DB=0 ;;
esac

TMP="$(mktemp -d)"
DB="hundreddays_rel_$$"
FIGURES="${RELIABILITY_FIGURES:-$TMP/figures.jsonl}"
SERVER_PID=""
BASE=""
DATABASES_MADE=()  # "port/name"
TIMES=()

sql() { psql -h 127.0.0.1 -p "${2:-5432}" -U postgres -v ON_ERROR_STOP=1 -qAtc "$1" postgres; }
createdb_() { # name [port]
  sql "CREATE DATABASE $1" "${2:-5432}" >/dev/null
  DATABASES_MADE+=("${2:-5432}/$1")
}
pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
cleanup() {
  local status=$?
  stop_server
  if [ "$RESTART_DB" = 1 ] && ! pg_up; then
    echo "    PostgreSQL ($PG_VERSION/$PG_CLUSTER) is down: starting it again"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start || true
    for _ in $(seq 30); do pg_up && break; sleep 1; done
  fi
  if [ "$status" != 0 ] && [ -d "$TMP" ]; then
    # Keep the server logs of a failed run for whoever reads the CI output next.
    mkdir -p "$ROOT/test-results/reliability"
    cp "$TMP"/*.log "$TMP"/*.txt "$ROOT/test-results/reliability/" 2>/dev/null || true
    echo "    server logs kept in test-results/reliability/" >&2
  fi
  for made in "${DATABASES_MADE[@]}"; do
    sql "DROP DATABASE IF EXISTS ${made#*/} WITH (FORCE)" "${made%%/*}" >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

timed() { # name command...: run it, note how long it took
  local name="$1" started=$SECONDS
  shift
  "$@"
  TIMES+=("$name: $((SECONDS - started)) s")
}

# The production configuration, as scripts/check_production.sh runs it (scripts/lib.sh).
prod_env "$TMP/static"
# The soak and the reloads write from one address at machine speed, far past the write rate
# limits (tests/security/test_write_rate_limits.py checks those): counted, never reached here.
PROD+=("DJANGO_RATE_LIMIT_WRITES=1000000/m/user,1000000/m/ip")
url() { echo "postgres://postgres@127.0.0.1:${2:-5432}/$1"; }

start_server() { # database-url log-name [VAR=value...]: gunicorn with docker/gunicorn.conf.py
  local database_url="$1" log="$TMP/$2.log" port
  shift 2
  port="$(free_port)"
  # env execs gunicorn: $! is the master, which gets the HUPs and the TERM.
  env -i "${PROD[@]}" "DATABASE_URL=$database_url" "GUNICORN_BIND=127.0.0.1:$port" "$@" \
    gunicorn --config docker/gunicorn.conf.py >"$log" 2>&1 &
  SERVER_PID=$!
  SERVER_LOG="$log"
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 120); do
    python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE/healthz" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "gunicorn stopped before serving"; }
    sleep 0.25
  done
  cat "$log" >&2
  fail "gunicorn did not answer /healthz within 30 s"
}
server_errors_logged() { grep -cE 'status=5[0-9][0-9] |level=ERROR logger=django' "$SERVER_LOG" || true; }

step "Set-up: collectstatic, database ${DB}, migrate, seed 20 participants"
setup() {
  pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL does not answer on 127.0.0.1:5432"
  prod python manage.py collectstatic --noinput -v0
  createdb_ "$DB"
  prod "DATABASE_URL=$(url "$DB")" python manage.py migrate --noinput -v0
  prod "DATABASE_URL=$(url "$DB")" python scripts/reliability/seed.py "$TMP/world.json" --participants 20 --entries 10
}
timed "set-up" setup

# --- 6. Migrations ---------------------------------------------------------------
step "Migrations: makemigrations --check, django-migration-linter"
migrations() {
  DJANGO_DEBUG=true python manage.py makemigrations --check --dry-run -v0 || fail "models and migrations differ"
  ok "no missing migration"
  # Our apps only (third-party migrations are their authors' business); warnings count as errors.
  # Nothing is ignored: 0002_cache_table is a RunPython (createcachetable) with a no-op reverse,
  # which the linter accepts.
  DATABASE_URL="$(url "$DB")" DJANGO_LOG_LEVEL=WARNING DJANGO_SETTINGS_MODULE=hundreddays.lint_settings \
    python manage.py lintmigrations --no-cache --include-apps accounts journal --warnings-as-errors \
    -q ignore ok >"$TMP/lint.txt" 2>&1 || { cat "$TMP/lint.txt" >&2; fail "django-migration-linter"; }
  sed -n '/Summary/,$p' "$TMP/lint.txt" | sed 's/^/    /'
  if ! grep -q "Erroneous migrations: 0/" "$TMP/lint.txt" || ! grep -q "Migrations with warnings: 0/" "$TMP/lint.txt"; then
    fail "django-migration-linter found problems"
  fi
  ok "django-migration-linter: no error, no warning"
}
timed "migrations" migrations

# --- 3. Reloads ------------------------------------------------------------------
step "Reloads: 2 HUPs and max_requests=50 (+ jitter 10) under load"
reloads() {
  start_server "$(url "$DB")" reloads GUNICORN_MAX_REQUESTS=50 GUNICORN_MAX_REQUESTS_JITTER=10
  python scripts/reliability/reloads.py --base "$BASE" --world "$TMP/world.json" --database-url "$(url "$DB")" \
    --pid "$SERVER_PID" --log "$SERVER_LOG" --seconds 20 --max-seconds 60 --connections 8 --hup-at 5 12 --figures "$FIGURES" ||
    fail "reloads"
  [ "$(server_errors_logged)" = 0 ] || fail "the server logged errors: $(grep -m3 -E 'status=5|level=ERROR' "$SERVER_LOG")"
  stop_server
  ok "no non-2xx read, /healthz always 200, both HUPs handled, workers recycled"
}
timed "reloads" reloads

# --- Pathological Markdown (issue 12) --------------------------------------------
step "Pathological Markdown: 5 concurrent POSTs of 3,000 backticks, then 5 of the other inputs"
markdown_bombs() {
  start_server "$(url "$DB")" markdown
  python scripts/reliability/markdown_bombs.py --base "$BASE" --world "$TMP/world.json" --figures "$FIGURES" ||
    fail "pathological Markdown"
  [ "$(server_errors_logged)" = 0 ] || fail "the server logged errors: $(grep -m3 -E 'status=5|level=ERROR' "$SERVER_LOG")"
  stop_server
  ok "every POST a 302 or 400 within 2 s; /healthz 200 within 1 s throughout"
}
timed "markdown" markdown_bombs

# --- 2. Database restart ---------------------------------------------------------
step "Database restart: PostgreSQL ${PG_VERSION}/${PG_CLUSTER} (port ${PG_PORT}) under a request every 50 ms"
db_restart() {
  if [ "$RESTART_DB" != 1 ]; then
    echo "    skipped: it restarts PostgreSQL for everyone on this machine; set RELIABILITY_RESTART_DB=1 (CI=true does)"
    return 0
  fi
  local db="$DB"
  if [ "$PG_PORT" != 5432 ]; then
    db="${DB}_restart"
    createdb_ "$db" "$PG_PORT"
    prod "DATABASE_URL=$(url "$db" "$PG_PORT")" python manage.py migrate --noinput -v0
  fi
  start_server "$(url "$db" "$PG_PORT")" restart
  python scripts/reliability/db_restart.py --base "$BASE" --pg-port "$PG_PORT" --after 60 --figures "$FIGURES" \
    --restart "pg_ctlcluster --skip-systemctl-redirect $PG_VERSION $PG_CLUSTER restart" || fail "database restart"
  stop_server
  ok "only requests in flight during the restart failed; the 60 after it all succeeded"
}
timed "db restart" db_restart

# --- 4. Soak ---------------------------------------------------------------------
step "Soak: ${SOAK_SECONDS} s, 32 connections, 20 participants writing"
soak() {
  start_server "$(url "$DB")" soak
  python scripts/reliability/soak.py --base "$BASE" --world "$TMP/world.json" --database-url "$(url "$DB")" \
    --seconds "$SOAK_SECONDS" --connections 32 --figures "$FIGURES" || fail "soak"
  [ "$(server_errors_logged)" = 0 ] || fail "the server logged errors: $(grep -m3 -E 'status=5|level=ERROR' "$SERVER_LOG")"
  stop_server
  ok "0 responses >= 500; entries in the database = successful creates"
}
timed "soak" soak

# --- 5. Backups ------------------------------------------------------------------
step "Backups: pg_dump/pg_restore and JSON export/import give back the same data"
canonical() { psql -h 127.0.0.1 -U postgres -d "$1" -v ON_ERROR_STOP=1 -qAt -F' ' -f scripts/reliability/canonical.sql; }
backups() {
  local source restored over json hash_source hash_restored hash_json
  source="$(canonical "$DB")"
  read -r hash_source users rounds entries links tags <<<"$source"
  echo "    source:       sha256 ${hash_source} (${users} users, ${rounds} rounds, ${entries} entries, ${links} links, ${tags} entry tags)"

  pg_dump -h 127.0.0.1 -U postgres -Fc -f "$TMP/backup.dump" "$DB"
  createdb_ "${DB}_pgrestore"
  pg_restore -h 127.0.0.1 -U postgres --no-owner --exit-on-error -d "${DB}_pgrestore" "$TMP/backup.dump"
  restored="$(canonical "${DB}_pgrestore")"
  hash_restored="${restored%% *}"
  echo "    pg_restore:   sha256 ${hash_restored} ($(du -h "$TMP/backup.dump" | cut -f1) dump)"
  [ "$hash_restored" = "$hash_source" ] || fail "pg_restore gave back different data"
  prod "DATABASE_URL=$(url "${DB}_pgrestore")" python scripts/reliability/data_roundtrip.py write
  # The README's restore for the compose deployment: over the current data (which now has the
  # rows written above), with the same options as there.
  pg_restore -h 127.0.0.1 -U postgres -d "${DB}_pgrestore" --clean --if-exists --no-owner --single-transaction \
    "$TMP/backup.dump"
  over="$(canonical "${DB}_pgrestore")"
  echo "    pg_restore --clean over changed data (the README's command): sha256 ${over%% *}"
  [ "${over%% *}" = "$hash_source" ] || fail "pg_restore --clean over the current data gave back different data"
  prod "DATABASE_URL=$(url "${DB}_pgrestore")" python scripts/reliability/data_roundtrip.py write

  prod "DATABASE_URL=$(url "$DB")" python scripts/reliability/data_roundtrip.py export "$TMP/json"
  createdb_ "${DB}_json"
  prod "DATABASE_URL=$(url "${DB}_json")" python manage.py migrate --noinput -v0
  prod "DATABASE_URL=$(url "${DB}_json")" python scripts/reliability/data_roundtrip.py import "$TMP/json"
  json="$(canonical "${DB}_json")"
  hash_json="${json%% *}"
  echo "    JSON import:  sha256 ${hash_json}"
  [ "$hash_json" = "$hash_source" ] || fail "the JSON export and import gave back different data"
  prod "DATABASE_URL=$(url "${DB}_json")" python scripts/reliability/data_roundtrip.py write
  printf '{"step": "backups", "sha256_source": "%s", "sha256_pg_restore": "%s", "sha256_pg_restore_clean": "%s", "sha256_json_import": "%s", "users": %s, "rounds": %s, "entries": %s, "links": %s, "entry_tags": %s}\n' \
    "$hash_source" "$hash_restored" "${over%% *}" "$hash_json" "$users" "$rounds" "$entries" "$links" "$tags" >>"$FIGURES"
  ok "hashes equal; new writes work in both restored databases"
}
timed "backups" backups

printf '\n==> Figures\n'
cat "$FIGURES"
printf '\n==> Time per step\n'
printf '    %s\n' "${TIMES[@]}"
printf '\nReliability checks passed in %s s.\n' "$SECONDS"
