#!/usr/bin/env bash
# Headers grade (issue 8, security 7): the production configuration served over TLS on 127.0.0.1 and
# scanned by the MDN HTTP Observatory (@mdn/mdn-http-observatory). Passes on grade A+ with no failed test.
#
#   nginx (apt) on 127.0.0.1:443 terminates TLS with a certificate from a throwaway test CA (made here
#   with openssl, in a temp dir, never kept) and on 127.0.0.1:80 passes plain HTTP through, so the
#   redirect to HTTPS is the app's own (SECURE_SSL_REDIRECT); both proxy to gunicorn with
#   X-Forwarded-Proto, which gunicorn trusts from 127.0.0.1 (FORWARDED_ALLOW_IPS), as in the README's
#   "Behind the HTTPS proxy". Django runs with DJANGO_DEBUG=false and nothing else changed for the
#   scan: the headers scored are the ones production sends.
#
# Needs root (ports 80 and 443), the project's .venv, PostgreSQL on 127.0.0.1:5432 and Node >= 20.
# The scanner is pinned in scripts/security/node/package-lock.json and installed with
# --ignore-scripts (its postinstall downloads the HSTS preload list and the TLD list: we write
# `{}` and `[]` instead, so nothing leaves the machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
HOST=127.0.0.1
NODE_DIR="$ROOT/scripts/security/node"
OBSERVATORY="$NODE_DIR/node_modules/@mdn/mdn-http-observatory"

TMP="$(mktemp -d)"
DB="hundreddays_observatory_$$"
SERVER_PID=""
NGINX_STARTED=""
cleanup() {
  if [ -n "$NGINX_STARTED" ] && [ -f "$TMP/nginx/nginx.pid" ]; then
    nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -s quit 2>/dev/null || true
  fi
  stop_server
  drop_db "$DB"
  rm -rf "$TMP"
}
trap cleanup EXIT

step "Tools"
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || fail "Node >= 20 is needed ($(node --version))"
if [ ! -f "$OBSERVATORY/src/scan.js" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
# What the skipped postinstall would have downloaded.
echo '{}' >"$OBSERVATORY/conf/hsts-preload.json"
echo '[]' >"$OBSERVATORY/conf/tld-list.json"
ok "$(nginx -v 2>&1), $(openssl version | cut -d' ' -f1-2), node $(node --version), observatory $(node -p "require('$OBSERVATORY/package.json').version")"

for port in 80 443; do
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
    fail "something already listens on $HOST:$port; the scanner needs both ports"
  fi
done

step "A test CA and a certificate for $HOST (in $TMP, removed on exit)"
mkdir -p "$TMP/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Hundred Days test CA" \
  -keyout "$TMP/tls/ca.key" -out "$TMP/tls/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout "$TMP/tls/server.key" -out "$TMP/tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$HOST" >"$TMP/tls/ext.cnf"
openssl x509 -req -in "$TMP/tls/server.csr" -CA "$TMP/tls/ca.pem" -CAkey "$TMP/tls/ca.key" -CAcreateserial \
  -days 2 -sha256 -extfile "$TMP/tls/ext.cnf" -out "$TMP/tls/server.pem" 2>/dev/null
ok "CA and server certificate (SAN IP:$HOST), valid 2 days"

step "The app with production settings, fresh database ${DB}"
pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL does not answer on 127.0.0.1:5432"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${DB}" >/dev/null
PORT="$(free_port)"
SECRET="observatory-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
PROD=(
  "PATH=$PATH" "HOME=${HOME:-/root}" LANG=C.UTF-8 PYTHONUNBUFFERED=1
  DJANGO_SETTINGS_MODULE=hundreddays.settings
  DJANGO_DEBUG=false
  "DJANGO_SECRET_KEY=$SECRET"
  "DJANGO_ALLOWED_HOSTS=$HOST,localhost"
  "DJANGO_STATIC_ROOT=$TMP/static"
  "DATABASE_URL=postgres://postgres@127.0.0.1:5432/${DB}"
  DJANGO_TRUSTED_PROXY_COUNT=1
  FORWARDED_ALLOW_IPS=127.0.0.1
)
build_static "$TMP/static"
env -i "${PROD[@]}" DB_WAIT_TIMEOUT=20 "GUNICORN_BIND=127.0.0.1:${PORT}" GUNICORN_WORKERS=2 \
  docker/entrypoint.sh gunicorn --config docker/gunicorn.conf.py >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_healthz "http://127.0.0.1:${PORT}" "$TMP/server.log" 60
ok "gunicorn on 127.0.0.1:${PORT}, migrated"

step "nginx: TLS on $HOST:443, plain HTTP on $HOST:80, both to the app"
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
chmod 755 "$TMP" "$TMP/nginx" "$TMP/nginx/tmp"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log $TMP/nginx/logs/access.log;
  client_body_temp_path $TMP/nginx/tmp/body;
  proxy_temp_path $TMP/nginx/tmp/proxy;
  fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
  scgi_temp_path $TMP/nginx/tmp/scgi;
  server_tokens off;
  client_max_body_size 3m;
  upstream app { server 127.0.0.1:${PORT}; }
  server {
    listen $HOST:80;
    server_name _;
    location / {
      proxy_pass http://app;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
  server {
    listen $HOST:443 ssl;
    server_name _;
    ssl_certificate $TMP/tls/server.pem;
    ssl_certificate_key $TMP/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://app;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>&1 | grep -v '^$' || true
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
NGINX_STARTED=1
for _ in $(seq 40); do
  curl -fsS --cacert "$TMP/tls/ca.pem" -o /dev/null "https://$HOST/healthz" 2>/dev/null && break
  sleep 0.25
done
status="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://$HOST/")"
[ "$status" = "301 https://$HOST/" ] || fail "http://$HOST/ answered '$status', expected a 301 to https://$HOST/"
status="$(curl -sS --cacert "$TMP/tls/ca.pem" -o /dev/null -w '%{http_code}' "https://$HOST/")"
[ "$status" = 200 ] || fail "https://$HOST/ answered $status"
ok "http://$HOST/ → 301 https://$HOST/ (the app's redirect); https://$HOST/ → 200, certificate verified"

step "MDN HTTP Observatory scan of $HOST"
NODE_EXTRA_CA_CERTS="$TMP/tls/ca.pem" node "$OBSERVATORY/src/scan.js" "$HOST" >"$TMP/scan.json" ||
  { cat "$TMP/scan.json" >&2; fail "the scanner failed"; }
python - "$TMP/scan.json" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
if "error" in report:
    sys.exit(f"FAIL: scanner error: {report['error']}")
scan, tests = report["scan"], report["tests"]
width = max(len(name) for name in tests)
for name, test in sorted(tests.items()):
    mark = "pass" if test["pass"] else "FAIL"
    print(f"    {mark}  {name:<{width}}  {test['scoreModifier']:+3d}  {test['result']}")
failed = [name for name, test in tests.items() if not test["pass"]]
print(
    f"\n    Grade {scan['grade']}, score {scan['score']}/100 "
    f"({scan['testsPassed']} of {scan['testsQuantity']} tests passed, algorithm {scan['algorithmVersion']})"
)
if scan["grade"] != "A+" or failed:
    sys.exit(f"FAIL: expected A+ with no failed test; failed: {failed or 'none'}")
EOF
ok "A+ with every test passed"
