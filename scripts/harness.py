"""The harness every check and the benchmark share: a throwaway PostgreSQL database, gunicorn with
the production configuration (started, health-waited and stopped by its own PID), a Redis and an
nginx when a check asks for them, and one way to report: ``check_main(name, run)`` calls
``run(harness)``; a CheckFailed (``fail``, ``expect``) is one line, ``FAIL: <name>: <why>``, and
exit status 1. Everything a check starts is stopped, and every database it made is dropped, when
the Harness closes, whatever happened. Needs the project's virtual environment and PostgreSQL on
127.0.0.1:5432 (user postgres, trust); redis-server and nginx only for the checks that ask.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_HOST = "127.0.0.1"
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
APT_PACKAGES = {"node": "nodejs", "java": "default-jre-headless", "pg_isready": "postgresql-client"}


class CheckFailed(Exception):
    """A check found a problem: the message is the one line people read."""


def step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def ok(message: str) -> None:
    print(f"    ok: {message}", flush=True)


def fail(message: str):
    raise CheckFailed(message)


def expect(condition, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def check_main(name: str, run, *args) -> int:
    """Run ``run(harness, *args)`` inside a Harness; print the one-line verdict; the exit status."""
    started = time.monotonic()
    try:
        with Harness(name) as h:
            run(h, *args)
    except CheckFailed as error:
        print(f"FAIL: {name}: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"FAIL: {name}: interrupted", file=sys.stderr)
        return 130
    print(f"\n{name} passed in {time.monotonic() - started:.0f} s.", flush=True)
    return 0


def wait_for(predicate, seconds: float, interval=0.02) -> bool:
    """Whether ``predicate()`` became true within ``seconds`` (asked every ``interval``)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind((PG_HOST, 0))
        return s.getsockname()[1]


def run(
    cmd, *, env=None, check=True, capture=True, merge_stderr=True, timeout=None, cwd=ROOT
) -> subprocess.CompletedProcess:
    """Run a command; with ``check``, a non-zero exit is a CheckFailed naming it, with its output.
    ``merge_stderr=False`` keeps stderr apart, for a stdout that is parsed (JSON, a version)."""
    result = subprocess.run(
        [str(c) for c in cmd],
        env=env,
        cwd=cwd,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
        stderr=(subprocess.STDOUT if merge_stderr else subprocess.PIPE) if capture else None,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        output = (result.stdout or "").strip().splitlines()[-15:]
        print("\n".join(output), file=sys.stderr)
        fail(f"{Path(str(cmd[0])).name} {' '.join(str(c) for c in cmd[1:3])}… exited {result.returncode}")
    return result


def apt(*commands: str) -> list[str]:
    """The paths of ``commands``, Debian's packages of the missing ones installed first."""

    def find(command):
        return shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")

    if missing := sorted({APT_PACKAGES.get(c, Path(c).name) for c in commands if not find(c)}):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env, timeout=600)
        run(["apt-get", "install", "-y", "-qq", *missing], env=env, timeout=900)
    return [find(c) for c in commands]


def psql(sql: str, *, database="postgres", port=5432, check=True) -> str:
    where = ["-h", PG_HOST, "-p", port, "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
    return (run(["psql", *where, "-qAtc", sql, database], check=check).stdout or "").strip()


def pg_ready(port: int = 5432) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(port)]).returncode == 0


def fetch(base: str, path: str, *, method="GET", headers=None, body=None, timeout=30):
    """One request, no redirects followed: ``(status, headers with lower-case names, body text)``.

    Repeated headers (Set-Cookie) are joined with newlines."""
    host, port = base.split("://", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port.rstrip("/")), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        names: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            names[key] = f"{names[key]}\n{value}" if key in names else value
        return response.status, names, data.decode("utf-8", "replace")
    finally:
        conn.close()


class Server:
    """A process started by the harness that answers HTTP: gunicorn (or the entrypoint that execs it)."""

    def __init__(self, proc: subprocess.Popen, port: int, log: Path, name: str):
        self.proc, self.port, self.log, self.name = proc, port, log, name
        self.base = f"http://{PG_HOST}:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def get(self, path: str, **kwargs):
        return fetch(self.base, path, **kwargs)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def errors_logged(self) -> list[str]:
        """Access lines with a 5xx status, Django's ERROR lines and any CRITICAL one (a worker timeout)."""
        pattern = r"level=(ERROR logger=django|CRITICAL)|logger=gunicorn\.access .* status=5"
        return [line for line in self.log_text().splitlines() if re.search(pattern, line)]

    def wait_healthy(self, timeout: float = 60) -> None:
        def healthy():
            with contextlib.suppress(OSError, http.client.HTTPException):
                return not self.alive() or self.get("/healthz", timeout=2)[0] == 200

        if not wait_for(healthy, timeout, 0.25) or not self.alive():
            print(self.log_text()[-3000:], file=sys.stderr)
            fail(
                f"{self.name} did not answer {self.base}/healthz within {timeout:.0f} s (exit {self.proc.poll()})"
            )

    def stop(self, timeout: float = 30) -> bool:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL. True when it stopped on the TERM."""
        if not self.alive():
            return True
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False


class Harness(contextlib.ExitStack):
    """What one check starts and makes, undone in reverse order when it closes."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")[:20]
        self.tmp = Path(tempfile.mkdtemp(prefix=f"hd-{self.slug}-"))
        self.callback(shutil.rmtree, self.tmp, True)
        self.databases = 0
        self.secret = "ci-only-" + secrets.token_urlsafe(50)
        self._static: Path | None = None

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and (logs := list(self.tmp.glob("*.log"))):
            kept = ROOT / "test-results" / self.slug
            kept.mkdir(parents=True, exist_ok=True)
            for log in logs:
                shutil.copy(log, kept / log.name)
            print(f"    server logs kept in {kept.relative_to(ROOT)}/", file=sys.stderr)
        return super().__exit__(exc_type, exc, tb)

    # --- PostgreSQL -------------------------------------------------------------------------
    def database(self, label: str = "", *, port: int = 5432, migrate_env: dict | None = None) -> str:
        """A new empty database (dropped on close); migrated when ``migrate_env`` is given. Its URL."""
        expect(pg_ready(port), f"PostgreSQL does not answer on {PG_HOST}:{port}")
        self.databases += 1
        name = f"hd_{self.slug}_{os.getpid()}_{self.databases}{'_' + label if label else ''}"
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", port=port)
        psql(f"CREATE DATABASE {name}", port=port)
        self.callback(psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", port=port, check=False)
        url = f"postgres://postgres@{PG_HOST}:{port}/{name}"
        if migrate_env is not None:
            self.manage({**migrate_env, "DATABASE_URL": url}, "migrate", "--noinput", "-v0")
        return url

    # --- The app, configured as in production -----------------------------------------------
    def prod_env(self, database_url: str | None = None, **extra) -> dict:
        """The production settings with debug off, a fresh secret, plain HTTP on 127.0.0.1 (the
        proxy would redirect) and the static files collected once per harness. Nothing from the
        caller's environment leaks in but PATH and HOME."""
        env = {
            **bare_env(),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "hundreddays.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": self.secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_STATIC_ROOT": str(self.static_root()),
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def static_root(self) -> Path:
        """collectstatic as the image build runs it (a throwaway key, no database), once per
        version of the static sources: kept in ~/.cache/hundreddays and shared by every check."""
        if self._static is None:
            self._static = collected_static()
        return self._static

    def manage(self, env: dict, *args, check=True, timeout=600) -> subprocess.CompletedProcess:
        return run([BIN / "python", "manage.py", *args], env=env, check=check, timeout=timeout)

    def python(self, env: dict, script, *args, check=True, timeout=None) -> subprocess.CompletedProcess:
        return run([BIN / "python", script, *args], env=env, check=check, timeout=timeout)

    def gunicorn(
        self,
        env: dict,
        *,
        workers: int = 2,
        name: str = "gunicorn",
        entrypoint: bool = False,
        wait: float = 60,
        port: int | None = None,
    ) -> Server:
        """gunicorn with docker/gunicorn.conf.py on a free port of 127.0.0.1, health-waited; stopped
        by its PID on close. With ``entrypoint``, started through docker/entrypoint.sh, which waits
        for the database, migrates and execs gunicorn (so the PID is gunicorn's master)."""
        port = port or free_port()
        cmd = ["gunicorn", "--config", "docker/gunicorn.conf.py"]
        if entrypoint:
            cmd = ["docker/entrypoint.sh", *cmd]
        env = {"GUNICORN_WORKERS": str(workers), **env, "GUNICORN_BIND": f"{PG_HOST}:{port}"}
        log = self.tmp / f"{name}.log"
        handle = log.open("w")
        self.callback(handle.close)
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=handle, stderr=handle
        )
        server = Server(proc, port, log, name)
        self.callback(server.stop)
        if wait:
            server.wait_healthy(wait)
        return server

    # --- Redis and nginx, when asked ------------------------------------------------------
    def redis(self) -> str:
        """A private redis-server (nothing on disk) on a free port, stopped on close. Its URL."""
        (binary,) = apt("redis-server")
        port = free_port()
        proc = subprocess.Popen(
            [binary, "--bind", PG_HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.callback(lambda: (proc.terminate(), proc.wait(10)))

        def pong():
            with contextlib.suppress(OSError), socket.create_connection((PG_HOST, port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        expect(wait_for(pong, 10, 0.1), f"redis-server did not answer on port {port}")
        return f"redis://{PG_HOST}:{port}/0"

    def nginx(self, template: Path, **values) -> int:
        """nginx in the foreground, stopped on close, with ``template`` as its ``http`` block
        (``${NAME}`` filled from ``values`` plus ``PORT`` and ``TMP``) and every file it writes
        inside the harness's folder. Its port."""
        (binary,) = apt("nginx")
        port = values.pop("port", None) or free_port()
        temp = " ".join(f"{kind}_temp_path {self.tmp}/{kind};" for kind in NGINX_TEMP)
        text = f"pid {self.tmp}/nginx.pid; error_log stderr warn; events {{}}\nhttp {{ access_log off; {temp}\n{template.read_text()}}}"
        for key, value in {"PORT": port, "TMP": self.tmp, **values}.items():
            text = text.replace("${" + key + "}", str(value))
        conf = self.tmp / "nginx.conf"
        conf.write_text(text)
        log = self.tmp / "nginx.log"
        handle = log.open("w")
        self.callback(handle.close)
        proc = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.tmp), "-g", "daemon off;"], stdout=handle, stderr=handle
        )
        self.callback(lambda: (proc.terminate(), proc.wait(10)))

        def listening():
            with contextlib.suppress(OSError), socket.create_connection((PG_HOST, port), timeout=1):
                return True
            return proc.poll() is not None

        expect(wait_for(listening, 10, 0.1) and proc.poll() is None, f"nginx: {log.read_text()[-500:]}")
        return port


def bare_env() -> dict:
    """The virtual environment first on the PATH, HOME and a UTF-8 locale: nothing else of ours."""
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
    }


def collected_static() -> Path:
    """The collected, hashed and compressed static files of this tree (made when missing)."""
    digest = hashlib.sha256()
    sources = [ROOT / "requirements.txt", ROOT / "hundreddays" / "settings.py"]
    sources += sorted(p for p in (ROOT / "static").rglob("*") if p.is_file())
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    cache = Path.home() / ".cache" / "hundreddays" / "static"
    target = cache / digest.hexdigest()[:16]
    if (target / "staticfiles.json").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    env = {
        **bare_env(),
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(building),
        "DJANGO_SECRET_KEY": "build-only-never-used-at-run-time-0123456789-abcdefghijklmnop",
    }
    try:
        run([BIN / "python", "manage.py", "collectstatic", "--noinput", "-v0"], env=env)
        building.rename(target)  # another check may have made it meanwhile: then keep theirs
    except OSError:
        pass
    finally:
        shutil.rmtree(building, ignore_errors=True)
    for old in cache.iterdir():  # earlier versions of the sources
        if old != target and not old.name.startswith("building-"):
            shutil.rmtree(old, ignore_errors=True)
    return target


def write_measured(doc: str, markdown: str) -> None:
    """Replace the measured block of docs/<doc>.md (between ``<!-- measured:begin -->`` and
    ``<!-- measured:end -->``) with ``markdown``: the command that measures writes it, no one copies."""
    path = ROOT / "docs" / f"{doc}.md"
    text = path.read_text()
    begin, end = "<!-- measured:begin -->", "<!-- measured:end -->"
    expect(text.count(begin) == 1 and text.count(end) == 1, f"{path.name} needs one measured block")
    head, rest = text.split(begin)
    path.write_text(f"{head}{begin}\n{markdown.strip()}\n{end}{rest.split(end, 1)[1]}")
    print(f"    {path.relative_to(ROOT)}: measured block rewritten", flush=True)
