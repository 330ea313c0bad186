"""The scale-out checks, run by scripts/scaleout_check.sh against nginx and two instances.

    check.py --lb PORT --a PORT --b PORT --email E --password P --handle H --date YYYY-MM-DD --mode NAME

1. A participant signs in through nginx and stays signed in on every request, whichever
   instance serves it (nginx's X-Upstream header names it), and on each instance directly.
2. An entry edited through instance A shows at once on the dashboard and the journal
   read through instance B, both rendered (and cached) by B just before the edit.
3. allauth's rate limit counts across both instances: ten failed sign-ins spread over
   A and B, then the 11th within the minute is refused ("Too many failed login attempts").

Prints one line per check; exits 1 on the first failure. Cookies are kept by hand:
with debug off they are ``__Host-`` cookies marked Secure, which cookie jars do not send
over plain HTTP on loopback.
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HOST = "127.0.0.1"
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MISMATCH = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts."


class Failure(Exception):
    pass


class Client:
    def __init__(self, name):
        self.name = name
        self.cookies = {}

    def request(self, port, method, path, form=None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    val = rest.split(";", 1)[0]
                    if val and "max-age=0" not in value.lower():
                        self.cookies[key.strip()] = val
                    else:
                        self.cookies.pop(key.strip(), None)
            return response.status, dict(response.getheaders()), text
        finally:
            conn.close()

    def token(self, port, path):
        status, _headers, text = self.request(port, "GET", path)
        match = TOKEN_RE.search(text)
        if status != 200 or not match:
            raise Failure(f"{self.name}: GET {path} on :{port} gave {status} without a CSRF token")
        return match.group(1)


def check(condition, message):
    if not condition:
        raise Failure(message)


def upstream(headers):
    return headers.get("X-Upstream", "?").rsplit(":", 1)[-1]


def sign_in_stays(args, ports):
    person = Client("participant")
    token = person.token(args.lb, "/accounts/login/")
    status, headers, _ = person.request(
        args.lb,
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": args.email, "password": args.password},
    )
    check(status == 302, f"sign-in through nginx answered {status}, expected a redirect")
    served = []
    for _ in range(6):
        status, headers, text = person.request(args.lb, "GET", "/rounds/")
        served.append(upstream(headers))
        check(
            status == 200 and 'action="/accounts/logout/"' in text, f"signed out on :{served[-1]} ({status})"
        )
    check({str(ports["A"]), str(ports["B"])} <= set(served), f"nginx did not alternate: {served}")
    for name, port in ports.items():
        status, _headers, text = person.request(port, "GET", "/rounds/")
        check(
            status == 200 and 'action="/accounts/logout/"' in text, f"signed out on instance {name} directly"
        )
    print(
        f"ok  signed in through nginx, still signed in on 6 requests served by :{' :'.join(served)} and on A and B"
    )
    return person


def edit_seen_elsewhere(args, person):
    journal = f"/@{args.handle}/r1/"
    for path in ("/", journal):
        status, _headers, text = person.request(args.b, "GET", path)
        check(status == 200 and "Version one" in text, f"B: {path} does not show the entry ({status})")
    edit = f"/rounds/1/{args.date}/edit/"
    token = person.token(args.a, edit)
    status, _headers, _ = person.request(
        args.a,
        "POST",
        edit,
        {
            "csrfmiddlewaretoken": token,
            "date": args.date,
            "progress": "Version **two**",
            "title": "",
            "thoughts": "",
            "links": "",
            "minutes": "",
            "tags": "",
        },
    )
    check(status == 302, f"A: editing the entry answered {status}, expected a redirect")
    for path in ("/", journal):
        status, _headers, text = person.request(args.b, "GET", path)
        check(
            status == 200 and "Version <strong>two</strong>" in text, f"B: {path} still shows the old entry"
        )
        check("Version one" not in text, f"B: {path} shows the old text too")
    anonymous = Client("visitor")
    status, _headers, text = anonymous.request(args.b, "GET", journal)
    check(
        status == 200 and "Version <strong>two</strong>" in text, "B: the public journal shows the old entry"
    )
    print("ok  an entry edited through A shows at once on the dashboard and journal served by B")


def rate_limit_shared(args, ports):
    visitor = Client("attacker")
    token = visitor.token(args.lb, "/accounts/login/")

    def attempt(i):
        return visitor.request(
            args.lb,
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": f"nobody{i}@example.com", "password": "wrong password"},
        )

    # Distinct addresses, so only the per-IP limit (10 a minute) can trigger, not the per-address one.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(10)))
    served = [upstream(h) for _s, h, _t in results]
    for status, _headers, text in results:
        check(
            status == 200 and MISMATCH in text, f"a failed sign-in answered {status} without the usual error"
        )
    check(
        {str(ports["A"]), str(ports["B"])} <= set(served), f"the failed sign-ins did not reach both: {served}"
    )
    status, headers, text = attempt(10)
    check(TOO_MANY in text, f"the 11th failed sign-in (on :{upstream(headers)}) was not refused ({status})")
    count = {p: served.count(p) for p in sorted(set(served))}
    print(
        f"ok  10 failed sign-ins ({', '.join(f':{p} x{n}' for p, n in count.items())}), the 11th refused on :{upstream(headers)}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("lb", "a", "b"):
        parser.add_argument(f"--{name}", type=int, required=True)
    for name in ("email", "password", "handle", "date", "mode"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    ports = {"A": args.a, "B": args.b}
    try:
        person = sign_in_stays(args, ports)
        edit_seen_elsewhere(args, person)
        rate_limit_shared(args, ports)
    except (Failure, OSError) as error:
        print(f"FAIL ({args.mode}): {error}")
        sys.exit(1)


if __name__ == "__main__":
    main()
