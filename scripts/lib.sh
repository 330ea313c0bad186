# Shared by the CI scripts (check_production.sh, audit.sh, reliability.sh, security/static_analysis.sh,
# security/observatory.sh). Source it after setting ROOT to the repository root.
# shellcheck shell=bash

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

BIN="$ROOT/${VENV:-.venv}/bin"
[ -x "$BIN/python" ] || fail "No virtual environment at $BIN: run make install-dev first."
export PATH="$BIN:$PATH"

# Stop the gunicorn a script started (SERVER_PID) and wait for it to finish its requests.
stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# Drop a temporary database on the local PostgreSQL, even with connections left open.
drop_db() {
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# A free TCP port on 127.0.0.1.
free_port() {
  python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The production configuration the checks run the app with: debug off, a fresh real secret
# (also in SECRET), plain HTTP on 127.0.0.1 (the proxy would redirect), static files in $1.
# Nothing from the caller's shell leaks in: run it with prod, or env -i "${PROD[@]}".
prod_env() {
  SECRET="ci-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
  PROD=(
    "PATH=$PATH" "HOME=${HOME:-/root}" "LANG=C.UTF-8" PYTHONUNBUFFERED=1
    DJANGO_SETTINGS_MODULE=hundreddays.settings
    DJANGO_DEBUG=false
    "DJANGO_SECRET_KEY=$SECRET"
    "DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost"
    DJANGO_SECURE_SSL_REDIRECT=false
    "DJANGO_STATIC_ROOT=$1"
  )
}
prod() { env -i "${PROD[@]}" "$@"; }

# What the image build does: collectstatic into $1 with a throwaway key and no database.
build_static() {
  env -i "PATH=$PATH" "HOME=${HOME:-/root}" LANG=C.UTF-8 DJANGO_DEBUG=false "DJANGO_STATIC_ROOT=$1" \
    DJANGO_SECRET_KEY=build-only-never-used-at-run-time-0123456789-abcdefghijklmnop \
    python manage.py collectstatic --noinput -v0
}

# Wait until the server started as SERVER_PID answers $1/healthz (every 0.5 s, at most $3
# seconds); fail with its log ($2) if it stops first or never answers.
wait_healthz() {
  local base="$1" log="$2" tries=$(($3 * 2))
  for _ in $(seq "$tries"); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "the server stopped before serving"; }
    sleep 0.5
  done
  cat "$log" >&2
  fail "no answer from $base/healthz within $3 s"
}
