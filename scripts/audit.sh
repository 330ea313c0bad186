#!/usr/bin/env bash
# make audit: quality scores of the pages people see, as production serves them.
#
# The demo data on a temporary PostgreSQL database, served by gunicorn (docker/gunicorn.conf.py)
# with debug off, whitenoise and collected static files, on 127.0.0.1; then (scripts/audit_pages.py):
#   - Lighthouse 12.8.2, mobile preset, on home, explore, profile, journal, permalink, stats and
#     the signed-in dashboard: performance >= 95, accessibility 100, best practices 100,
#     SEO 100 (public pages; the signed-in dashboard is exempt from SEO);
#   - the Nu HTML Checker (vnu-jar) on every page of the ownership sweep's list, signed-in
#     and allauth pages and the 404 included: 0 errors;
#   - axe (axe-playwright-python) on the same pages, English and Spanish, light and dark,
#     1280 and 360 px: 0 serious or critical violations.
# Prints a table and exits non-zero when a page misses a threshold. Reports go to audit-results/.
# Needs the project's .venv (make install-dev), PostgreSQL on 127.0.0.1:5432 (user postgres, trust),
# Node and npm, Java 17 and Debian's chromium: missing system packages are installed with apt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/audit-results"
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

step "Tools"
need=()
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
command -v java >/dev/null || need+=(default-jre-headless)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pg_isready >/dev/null || need+=(postgresql-client)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
# From package-lock.json. vnu-jar's postinstall only fetches a Java when none is found; it
# is not needed (java is on the PATH) and npm may skip it.
if [ ! -x node_modules/.bin/lighthouse ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
printf '    lighthouse %s, vnu %s, %s, node %s\n' "$(node_modules/.bin/lighthouse --version)" \
  "$(java -jar node_modules/vnu-jar/build/dist/vnu.jar --version)" "$(/usr/bin/chromium --version 2>/dev/null)" \
  "$(node --version)"

TMP="$(mktemp -d)"
DB="hundreddays_audit_$$"
SERVER_PID=""
cleanup() {
  stop_server
  drop_db "$DB"
  rm -rf "$TMP"
}
trap cleanup EXIT

step "Production-like server (temporary database ${DB})"
pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL does not answer on 127.0.0.1:5432."
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${DB}" >/dev/null
PORT="$(free_port)"
BASE="http://127.0.0.1:${PORT}"
# Production settings (hundreddays/settings.py) with debug off; only the TLS redirect is off,
# as behind a proxy that terminates TLS.
unset DJANGO_SETTINGS_MODULE
export DJANGO_DEBUG=false
DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_STATIC_ROOT="$TMP/static"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB}"
export SITE_URL="$BASE"
export DJANGO_LOG_LEVEL=WARNING GUNICORN_LOG_LEVEL=warning
export GUNICORN_BIND="127.0.0.1:${PORT}" GUNICORN_WORKERS=2
unset REDIS_URL GOOGLE_CLIENT_ID GOOGLE_CLIENT_SECRET
python manage.py migrate --noinput -v0
python manage.py load_demo -v0
python manage.py collectstatic --noinput -v0
gunicorn --config docker/gunicorn.conf.py >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_healthz "$BASE" "$TMP/server.log" 30
printf '    gunicorn on %s (pid %s), demo data loaded\n' "$BASE" "$SERVER_PID"

step "Lighthouse (mobile) and the Nu HTML Checker"
rm -rf "$OUT"
mkdir -p "$OUT"
status=0
python scripts/audit_pages.py --base "$BASE" --out "$OUT" || status=$?
if grep -qE 'level=(ERROR|CRITICAL)' "$TMP/server.log"; then
  grep -E 'level=(ERROR|CRITICAL)' "$TMP/server.log" | tail -5 >&2
  fail "the server logged errors during the audit"
fi
exit "$status"
