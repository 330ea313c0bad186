# Shared by the CI scripts (check_production.sh, audit.sh, reliability.sh,
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
