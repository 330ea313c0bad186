"""Scale-out check: two gunicorn instances (docker/entrypoint.sh, production settings) behind nginx
(scripts/scaleout.nginx.conf: round robin, X-Upstream names the instance that answered), sharing
one database and one cache, run with the database cache then a private Redis. A participant stays
signed in whichever instance answers; an entry edited through A shows at once on pages B rendered
(and cached) just before; allauth's 10 failed sign-ins a minute count across both (the 11th is
refused). A watchdog stops it after SCALEOUT_TIMEOUT seconds (default 120) once the static files
are collected. Cookies are kept by hand: with debug off they are ``__Host-`` cookies marked Secure,
which cookie jars do not send over plain HTTP.
"""

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
# A new participant with a confirmed address (verification is mandatory), a public round and one
# entry; prints the entry's date.
SETUP = f"""
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from journal import clock, services
get_user_model().objects.filter(email={EMAIL!r}).delete()
user = get_user_model().objects.create_user(
    email={EMAIL!r}, password={PASSWORD!r}, handle={HANDLE!r}, display_name="Scale Out")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
round = services.start_round(user, start_date=clock.today_for(user) - timedelta(days=3), visibility="public")
entry = services.create_entry(round, date=round.start_date + timedelta(days=1), progress="Version one")
print(entry.date.isoformat())
"""


class Client(dict):
    """A visitor: its cookies, sent with each of its requests."""

    def request(self, base, path, form=None):
        """``(status, port of the instance that answered, body)``, cookies kept."""
        cookie = "; ".join(f"{k}={v}" for k, v in list(self.items()) if v)
        headers = {"Accept-Language": "en", "Cookie": cookie}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            form = urllib.parse.urlencode(form)
        method = "GET" if form is None else "POST"
        status, head, text = fetch(base, path, method=method, headers=headers, body=form)
        for cookie in filter(None, head.get("set-cookie", "").split("\n")):
            key, _, rest = cookie.partition("=")
            self[key.strip()] = "" if "max-age=0" in cookie.lower() else rest.split(";", 1)[0]
        return status, head.get("x-upstream", "?").rsplit(":", 1)[-1], text

    def see(self, base, path, wanted, why):
        """GET ``path``: a 200 showing ``wanted``, or fail with ``why`` (``{port}`` filled). Port, body."""
        status, port, text = self.request(base, path)
        expect(status == 200 and wanted in text, f"{why.format(port=port)} ({status})")
        return port, text

    def form(self, base, path, **fields):
        status, _, text = self.request(base, path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        expect(status == 200 and token, f"GET {path} on {base} gave {status} without a CSRF token")
        return {"csrfmiddlewaretoken": token[1], **fields}

    def post(self, base, path, **fields):
        """The form at ``path`` sent with its CSRF token and ``fields``: the status."""
        return self.request(base, path, self.form(base, path, **fields))[0]


def sign_in_stays(lb, a, b):
    person = Client()
    status = person.post(lb, "/accounts/login/", login=EMAIL, password=PASSWORD)
    expect(status == 302, f"sign-in through nginx answered {status}, expected a redirect")
    served = [person.see(lb, "/rounds/", SIGNED_IN, "signed out on :{port}")[0] for _ in range(6)]
    expect({str(a.port), str(b.port)} <= set(served), f"nginx did not alternate: {served}")
    for server in (a, b):
        person.see(server.base, "/rounds/", SIGNED_IN, f"signed out on instance {server.name} directly")
    ok(f"signed in through nginx, still signed in on 6 requests served by :{' :'.join(served)}, on A and B")
    return person


def edit_seen_elsewhere(person, a, b, date):
    for path in ("/", JOURNAL):
        person.see(b.base, path, "Version one", f"B: {path} does not show the entry")
    fields = dict.fromkeys(("title", "thoughts", "links", "minutes", "tags"), "")
    status = person.post(a.base, f"/rounds/1/{date}/edit/", date=date, progress="Version **two**", **fields)
    expect(status == 302, f"A: editing the entry answered {status}, expected a redirect")
    for who, path in ((person, "/"), (person, JOURNAL), (Client(), JOURNAL)):
        seen = f"B: {path}{' (public)' if who is not person else ''}"
        text = who.see(b.base, path, "Version <strong>two</strong>", f"{seen} still shows the old entry")[1]
        expect("Version one" not in text, f"{seen} shows the old text too")
    ok("an entry edited through A shows at once on the dashboard and journal served by B (and in public)")


def rate_limit_shared(lb, a, b):
    attacker = Client()
    form = attacker.form(lb, "/accounts/login/", password="wrong password")
    # Distinct addresses: only the per-IP limit (10 a minute) can trigger, not the per-address one.
    attempts = [{**form, "login": f"nobody{i}@example.com"} for i in range(11)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda f: attacker.request(lb, "/accounts/login/", f), attempts[:10]))
    wrong = "The email address and/or password you specified are not correct."
    odd = [f":{port} {status}" for status, port, text in results if status != 200 or wrong not in text]
    expect(not odd, f"failed sign-ins answered without the usual error: {', '.join(odd)}")
    served = [port for _, port, _ in results]
    expect({str(a.port), str(b.port)} <= set(served), f"the failed sign-ins did not reach both: {served}")
    status, port, text = attacker.request(lb, "/accounts/login/", attempts[10])
    refused = "Too many failed login attempts." in text
    expect(refused, f"the 11th failed sign-in (on :{port}) was not refused ({status})")
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
        env = h.prod_env(h.database(), DJANGO_LOG_LEVEL="WARNING", DJANGO_TRUSTED_PROXY_COUNT=1)
        env |= {"DB_WAIT_TIMEOUT": "20", "DJANGO_MIGRATE_ON_START": "false"}
        # A migrates on its first start (as the first web container would); B never does.
        for mode, migrate in (("database cache", "true"), ("redis cache", "false")):
            step(f"{mode}: instances A :{ports['A']} and B :{ports['B']} behind nginx {lb}")
            menv = {**env, "REDIS_URL": h.redis()} if mode == "redis cache" else env
            a, b = (
                h.gunicorn(e, entrypoint=True, name=f"{x}-{mode[:5]}", port=ports[x], wait=w)
                for x, e, w in (("A", {**menv, "DJANGO_MIGRATE_ON_START": migrate}, 30), ("B", menv, 0))
            )
            date = h.manage(menv, "shell", "-c", SETUP).stdout.strip().splitlines()[-1]
            b.wait_healthy(30)
            edit_seen_elsewhere(sign_in_stays(lb, a, b), a, b, date)
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
