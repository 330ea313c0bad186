"""Scale-out check: two gunicorn instances (docker/entrypoint.sh, production settings, debug off)
behind nginx (scripts/scaleout.nginx.conf: round robin, X-Upstream names the instance that
answered), sharing one PostgreSQL database and one cache; run once with the database cache and
once with a private Redis. Each time:

1. a participant signs in through nginx and stays signed in whichever instance answers, and on
   each instance directly;
2. an entry edited through A shows at once on the dashboard and the journal read through B, both
   rendered (and cached) by B just before;
3. allauth's limit of 10 failed sign-ins a minute counts across both instances: the 11th is refused.

    .venv/bin/python scripts/scaleout.py

A watchdog stops it after SCALEOUT_TIMEOUT seconds (default 120), counted once the static files are
collected. Cookies are kept by hand: with debug off they are ``__Host-`` cookies marked Secure,
which cookie jars do not send over plain HTTP on loopback.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from harness import ROOT, CheckFailed, Harness, check_main, expect, fail, fetch, free_port, ok, step

EMAIL, PASSWORD, HANDLE = "scale@example.com", "scale-out check password", "scale"
JOURNAL = f"/@{HANDLE}/r1/"
SIGNED_IN = 'action="/accounts/logout/"'
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The participant with a confirmed address (verification is mandatory), a public round and one
# entry whose text is reset; prints the entry's date.
SETUP = f"""
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from journal import clock, services
from journal.models import Entry
user = get_user_model().objects.filter(email={EMAIL!r}).first()
if user is None:
    user = get_user_model().objects.create_user(
        email={EMAIL!r}, password={PASSWORD!r}, handle={HANDLE!r}, display_name="Scale Out")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    round = services.start_round(user, start_date=clock.today_for(user) - timedelta(days=3), visibility="public")
    services.create_entry(round, date=round.start_date + timedelta(days=1), progress="Version one")
entry = Entry.objects.get(round__user=user)
services.update_entry(entry, progress="Version one")
print(entry.date.isoformat())
"""


class Client:
    def __init__(self):
        self.cookies = {}

    def request(self, base, path, form=None):
        """``(status, port of the instance that answered, body)``, cookies kept."""
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in list(self.cookies.items()))
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        method, body = ("GET", None) if form is None else ("POST", urllib.parse.urlencode(form))
        status, head, text = fetch(base, path, method=method, headers=headers, body=body)
        for cookie in filter(None, head.get("set-cookie", "").split("\n")):
            key, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in cookie.lower():
                self.cookies[key.strip()] = value
            else:
                self.cookies.pop(key.strip(), None)
        return status, head.get("x-upstream", "?").rsplit(":", 1)[-1], text

    def token(self, base, path):
        status, _, text = self.request(base, path)
        match = TOKEN_RE.search(text)
        expect(status == 200 and match, f"GET {path} on {base} gave {status} without a CSRF token")
        return match.group(1)


def sign_in_stays(lb, a, b):
    person = Client()
    form = {"csrfmiddlewaretoken": person.token(lb, "/accounts/login/"), "login": EMAIL, "password": PASSWORD}
    status, _, _ = person.request(lb, "/accounts/login/", form)
    expect(status == 302, f"sign-in through nginx answered {status}, expected a redirect")
    served = []
    for _ in range(6):
        status, port, text = person.request(lb, "/rounds/")
        served.append(port)
        expect(status == 200 and SIGNED_IN in text, f"signed out on :{port} ({status})")
    expect({str(a.port), str(b.port)} <= set(served), f"nginx did not alternate: {served}")
    for server in (a, b):
        status, _, text = person.request(server.base, "/rounds/")
        expect(
            status == 200 and SIGNED_IN in text, f"signed out on instance {server.name} directly ({status})"
        )
    ok(
        f"signed in through nginx, still signed in on 6 requests served by :{' :'.join(served)} and on A and B"
    )
    return person


def edit_seen_elsewhere(person, a, b, date):
    for path in ("/", JOURNAL):
        status, _, text = person.request(b.base, path)
        expect(status == 200 and "Version one" in text, f"B: {path} does not show the entry ({status})")
    edit = f"/rounds/1/{date}/edit/"
    fields = dict.fromkeys(("title", "thoughts", "links", "minutes", "tags"), "")
    form = {"csrfmiddlewaretoken": person.token(a.base, edit), "date": date, "progress": "Version **two**"}
    status, _, _ = person.request(a.base, edit, {**form, **fields})
    expect(status == 302, f"A: editing the entry answered {status}, expected a redirect")
    for who, path in ((person, "/"), (person, JOURNAL), (Client(), JOURNAL)):
        status, _, text = who.request(b.base, path)
        seen = f"B: {path}{' (public)' if who is not person else ''}"
        expect(status == 200 and "Version <strong>two</strong>" in text, f"{seen} still shows the old entry")
        expect("Version one" not in text, f"{seen} shows the old text too")
    ok("an entry edited through A shows at once on the dashboard and journal served by B (and in public)")


def rate_limit_shared(lb, a, b):
    attacker = Client()
    token = attacker.token(lb, "/accounts/login/")

    def attempt(i):
        # Distinct addresses: only the per-IP limit (10 a minute) can trigger, not the per-address one.
        form = {"csrfmiddlewaretoken": token, "login": f"nobody{i}@example.com", "password": "wrong password"}
        return attacker.request(lb, "/accounts/login/", form)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(10)))
    for status, port, text in results:
        expect(
            status == 200 and "The email address and/or password you specified are not correct." in text,
            f"a failed sign-in on :{port} answered {status} without the usual error",
        )
    served = [port for _, port, _ in results]
    expect({str(a.port), str(b.port)} <= set(served), f"the failed sign-ins did not reach both: {served}")
    status, port, text = attempt(10)
    expect(
        "Too many failed login attempts." in text,
        f"the 11th failed sign-in (on :{port}) was not refused ({status})",
    )
    count = ", ".join(f":{p} x{served.count(p)}" for p in sorted(set(served)))
    ok(f"10 failed sign-ins ({count}), the 11th refused on :{port}")


def run(h: Harness):
    h.static_root()
    limit = int(os.environ.get("SCALEOUT_TIMEOUT", "120"))
    signal.signal(signal.SIGALRM, lambda *_: fail(f"over {limit} s, stopped by the watchdog"))
    signal.alarm(limit)
    mode = "setup"
    try:
        os.chmod(h.tmp, 0o711)  # nginx's workers (nobody) must reach their temp folders inside
        ports = {"A": free_port(), "B": free_port()}
        lb = f"http://127.0.0.1:{h.nginx(ROOT / 'scripts/scaleout.nginx.conf', **ports)}"
        # nginx appends the client to X-Forwarded-For: allauth counts failed sign-ins per that address.
        env = h.prod_env(
            h.database(), DJANGO_LOG_LEVEL="WARNING", DJANGO_TRUSTED_PROXY_COUNT=1, DB_WAIT_TIMEOUT=20
        )
        # A migrates on its first start (as the first web container would); B never does.
        for mode, migrate in (("database cache", "true"), ("redis cache", "false")):
            step(f"{mode}: instances A :{ports['A']} and B :{ports['B']} behind nginx {lb}")
            menv = {**env, "REDIS_URL": h.redis()} if mode == "redis cache" else env
            name = mode.split()[0]
            a_env, b_env = (
                {**menv, "DJANGO_MIGRATE_ON_START": migrate},
                {**menv, "DJANGO_MIGRATE_ON_START": "false"},
            )
            a = h.gunicorn(a_env, entrypoint=True, name=f"A-{name}", port=ports["A"], wait=30)
            b = h.gunicorn(b_env, entrypoint=True, name=f"B-{name}", port=ports["B"], wait=0)
            date = h.manage(menv, "shell", "-c", SETUP).stdout.strip().splitlines()[-1]
            b.wait_healthy(30)
            person = sign_in_stays(lb, a, b)
            edit_seen_elsewhere(person, a, b, date)
            rate_limit_shared(lb, a, b)
            a.stop(), b.stop()
    except (CheckFailed, OSError) as error:
        for log in sorted(h.tmp.glob("*.log")):
            tail = log.read_text(errors="replace").strip().splitlines()[-15:]
            print(f"--- {log.name} (last lines)", *tail, sep="\n", file=sys.stderr)
        fail(f"{mode}: {error}")
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(check_main("Scale-out check", run))
