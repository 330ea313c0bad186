"""Lighthouse, the Nu HTML Checker and axe on the audited pages; a table; exit 1 when a threshold is missed.

- Lighthouse (mobile) on the home page, explore, a profile, a journal, a permalink, the stats
  and the signed-in dashboard;
- the Nu HTML Checker on every page of the ownership sweep's list (tests/security/
  test_ownership.py), signed-in pages and allauth's included, and the 404 page;
- axe on the same pages at 1280 and 360 px, in light and dark mode, in English and Spanish
  (Lighthouse checks light mode only): 0 serious or critical violations.

Run by scripts/audit.sh, with the server's environment (production settings, the audit database),
against the gunicorn it started: ``python scripts/audit_pages.py --base URL --out DIR``.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run "
    '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"'
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
THRESHOLDS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
HEADERS = {"performance": "Perf", "accessibility": "A11y", "best-practices": "Best", "seo": "SEO"}


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool = False
    scores: dict = field(default_factory=dict)
    failed_audits: dict = field(default_factory=dict)
    vnu_errors: list = field(default_factory=list)
    vnu_warnings: int = 0
    lighthouse: bool = True
    axe: list = field(default_factory=list)  # serious or critical: "en dark 360: [serious] rule: help"

    @property
    def slug(self):
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def thresholds(self):
        # A signed-in page is not for search engines: no SEO score is asked of it.
        if not self.lighthouse:
            return {}
        return {k: v for k, v in THRESHOLDS.items() if not (k == "seo" and self.signed_in)}

    def misses(self):
        out = [
            f"{HEADERS[k]} {self.scores.get(k)} < {v}"
            for k, v in self.thresholds().items()
            if self.scores.get(k) is None or self.scores[k] < v
        ]
        if self.vnu_errors:
            out.append(f"{len(self.vnu_errors)} HTML error(s)")
        if self.axe:
            out.append(f"{len(self.axe)} serious axe violation(s)")
        return out


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hundreddays.settings")
    import django

    django.setup()


# Pages of the sweep's list left out as the same shape as another audited page.
SAME_SHAPE = {
    "journal:round-settings": "journal:round-new",
    "journal:round-delete": "journal:entry-delete",
    "journal:entry-edit": "journal:entry-new",
}
ALLAUTH_PAGES = [
    ("Sign in", "/accounts/login/", False),
    ("Sign up", "/accounts/signup/", False),
    ("Password reset", "/accounts/password/reset/", False),
    ("Password change", "/accounts/password/change/", True),
    ("Email addresses", "/accounts/email/", True),
    ("Connected accounts", "/accounts/3rdparty/", True),
    ("Sign out", "/accounts/logout/", True),
    ("Not found (404)", "/no-such-page/", False),
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_RUNS = [
    (lang, scheme, width) for lang in ("en", "es") for scheme in ("light", "dark") for width in (1280, 360)
]


def sweep_pages(user, round, entry):
    """(name, path, signed in) of every HTML page of the ownership sweep's list, filled with the demo."""
    from django.test import Client

    from api import services as token_services
    from cohorts import services as cohort_services
    from cohorts.models import Cohort
    from tests.security.test_ownership import BY_KEY, KINDS, PROJECT

    # A personal token and a cohort of the demo participant's, for the pages that name one.
    token, _raw = token_services.create_token(user, name="audit", can_read=True, can_write=True)
    cohort = Cohort.objects.filter(created_by=user).first() or cohort_services.create_cohort(
        user, name="Evening class", start_date=round.start_date, take_part=False
    )
    values = {
        "handle": user.handle,
        "number": round.number,
        "date": entry.date.isoformat(),
        "fmt": "json",
        "pk": token.pk,
        "slug": cohort.slug,
        "token": cohort.invite_token,
    }
    visitor, owner = Client(), Client()
    owner.force_login(user)
    pages = []
    for key, kind in PROJECT.items():
        if key in SAME_SHAPE or key not in BY_KEY or "get" not in KINDS[kind].methods:
            continue
        path = BY_KEY[key].path(**values)
        signed_in = KINDS[kind].sign_in
        response = (owner if signed_in else visitor).get(path, HTTP_HOST="127.0.0.1")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            pages.append((key, path, signed_in))
    return pages + ALLAUTH_PAGES


def demo_pages():
    """The pages to audit, and the demo participant's session cookie for the signed-in one."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from journal.management.commands.load_demo import DEMO_EMAIL
    from journal.models import Round

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    # Staff, so that the design page (/design/, staff only) is audited too.
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    round = Round.objects.filter(user=user).select_related("user").order_by("number").first()
    entry = round.entries.select_related("round__user").order_by("-date").first()
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    stats = reverse("journal:stats", kwargs={"handle": user.handle, "number": round.number})
    lighthouse = [
        Page("Home", "/"),
        Page("Explore", reverse("journal:explore")),
        Page("Profile", user.get_absolute_url()),
        Page("Public journal", round.get_absolute_url()),
        Page("Entry permalink", entry.get_absolute_url()),
        Page("Stats", stats),
        Page("Dashboard (signed in)", "/", signed_in=True),
    ]
    seen = {(p.path, p.signed_in) for p in lighthouse}
    checked = [
        Page(name, path, signed_in=signed_in, lighthouse=False)
        for name, path, signed_in in sweep_pages(user, round, entry)
        if (path, signed_in) not in seen
    ]
    return lighthouse, checked, cookie


def run_lighthouse(page, base, out, cookie):
    """Scores of one page; a performance score below the threshold is the median of three runs.

    Performance varies from run to run on a busy machine (Lighthouse advises a median of
    several runs); the other categories do not.
    """
    data = _lighthouse(page, base, out / f"lighthouse-{page.slug}.json", cookie)
    performance = _score(data, "performance")
    if performance is not None and performance < THRESHOLDS["performance"]:
        runs = [data] + [
            _lighthouse(page, base, out / f"lighthouse-{page.slug}-{n}.json", cookie) for n in (2, 3)
        ]
        runs.sort(key=lambda d: _score(d, "performance") or 0)
        print(f"      performance of 3 runs: {[_score(d, 'performance') for d in runs]}", flush=True)
        data = runs[1]
    for key in CATEGORIES:
        page.scores[key] = _score(data, key)
        if page.scores[key] is not None and page.scores[key] < 100:
            category = data["categories"][key]
            page.failed_audits[key] = [
                f"{ref['id']} ({data['audits'][ref['id']]['score']})"
                for ref in category["auditRefs"]
                if ref["weight"] > 0
                and data["audits"][ref["id"]]["score"] is not None
                and data["audits"][ref["id"]]["score"] < 1
            ]


def _score(data, key):
    score = data["categories"][key]["score"]
    return None if score is None else round(score * 100)


def _lighthouse(page, base, report, cookie):
    command = [
        str(LIGHTHOUSE),
        base + page.path,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--only-categories=" + ",".join(CATEGORIES),
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if page.signed_in:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    # Lighthouse itself sometimes fails to record a trace on a busy machine (NO_NAVSTART,
    # NO_FCP): that is the tool, not the page, so try again; a score is never retried here.
    for attempt in (1, 2, 3):
        report.unlink(missing_ok=True)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        data = json.loads(report.read_text()) if result.returncode == 0 and report.exists() else None
        if data is not None and not data.get("runtimeError"):
            break
        reason = (data or {}).get("runtimeError") or (result.stdout[-500:] + result.stderr[-1500:])
        print(f"      Lighthouse run {attempt} on {page.name} failed: {reason}", file=sys.stderr, flush=True)
    else:
        raise SystemExit(f"Lighthouse failed on {page.name} ({base + page.path}) three times")
    if urllib.parse.urlsplit(data.get("finalDisplayedUrl", "")).path != page.path:
        raise SystemExit(f"{page.name} was redirected to {data.get('finalDisplayedUrl')}")
    return data


def fetch(url, cookie=None, expect=200):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    if status != expect:
        raise SystemExit(f"{url}: HTTP {status}")
    return body


def run_vnu(pages, base, out, cookie):
    """One JVM for every page: the HTML each page served (the dashboard with its cookie)."""
    files = {}
    for page in pages:
        path = out / f"page-{page.slug}.html"
        expect = 404 if page.path == "/no-such-page/" else 200
        path.write_bytes(fetch(base + page.path, cookie if page.signed_in else None, expect))
        files[path.resolve().as_uri()] = page
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", *(str(out / Path(u).name) for u in files)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    (out / "vnu.json").write_text(result.stdout)
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    by_name = {Path(urllib.parse.urlsplit(u).path).name: p for u, p in files.items()}
    for message in messages:
        page = by_name.get(Path(urllib.parse.urlsplit(message.get("url", "")).path).name)
        if page is None:
            raise SystemExit(f"vnu: {message}")
        if message["type"] == "error" or message.get("subType") == "fatal":
            page.vnu_errors.append(f"line {message.get('lastLine', '?')}: {message['message']}")
        elif message.get("subType") == "warning":
            page.vnu_warnings += 1


def run_axe(pages, base, out, cookie):
    """axe-core (axe-playwright-python ships it) on every page, in each of AXE_RUNS."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    flags = [
        f.strip('"') for f in CHROME_FLAGS.replace('"MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"', "RULES").split()
    ]
    flags = [f.replace("RULES", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") for f in flags if f != "--headless=new"]
    axe, report = Axe(), {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=flags)
        for lang, scheme, width in AXE_RUNS:
            run = f"{lang} {scheme} {width}"
            contexts = {}
            for signed_in in (False, True):
                # The session goes as a header, as for Lighthouse: the production cookie's
                # __Host- name wants HTTPS, which the audit's server on 127.0.0.1 does not speak.
                headers = {"Accept-Language": lang, **({"Cookie": cookie} if signed_in else {})}
                context = browser.new_context(
                    locale=lang,
                    color_scheme=scheme,
                    viewport={"width": width, "height": 900 if width > 400 else 740},
                    extra_http_headers=headers,
                )
                contexts[signed_in] = context.new_page()
            for page in pages:
                tab = contexts[page.signed_in]
                tab.goto(base + page.path)
                violations = axe.run(
                    tab,
                    options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
                )
                found = violations.response["violations"]
                report.setdefault(page.path + (" (signed in)" if page.signed_in else ""), {})[run] = [
                    f"[{v['impact']}] {v['id']}: {v['help']}" for v in found
                ]
                page.axe += [
                    f"{run}: [{v['impact']}] {v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
                    for v in found
                    if v["impact"] in ("serious", "critical")
                ]
            for tab in contexts.values():
                tab.context.close()
            print(f"      axe {run}: {len(pages)} pages", flush=True)
        browser.close()
    (out / "axe.json").write_text(json.dumps(report, indent=2))


def print_table(pages):
    header = (
        f"{'Page':<24} {'Perf':>5} {'A11y':>5} {'Best':>5} {'SEO':>5} {'HTML errors':>12} {'axe':>4}  Result"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        cells = []
        for key in CATEGORIES:
            value = page.scores.get(key)
            shown = "-" if value is None else str(value)
            if key == "seo" and page.signed_in:
                shown += "*"
            cells.append(f"{shown:>5}")
        result = "ok" if not page.misses() else "MISSED: " + "; ".join(page.misses())
        print(
            f"{page.name[:24]:<24} {' '.join(cells)} {len(page.vnu_errors):>12} {len(page.axe):>4}  {result}"
        )
    print(
        "\nThresholds: performance >= 95, accessibility 100, best practices 100, SEO 100 "
        "(* signed in: SEO not required; - not scored by Lighthouse); Nu HTML Checker: 0 errors; "
        "axe: 0 serious or critical violations in English and Spanish, light and dark, 1280 and 360 px."
    )
    for page in pages:
        for key, audits in page.failed_audits.items():
            print(f"  {page.name} · {key} below 100: {', '.join(audits) or '(no weighted audit)'}")
        for error in page.vnu_errors:
            print(f"  {page.name} · HTML: {error}")
        if page.vnu_warnings:
            print(f"  {page.name} · HTML: {page.vnu_warnings} warning(s), see vnu.json")
        for violation in page.axe[:10]:
            print(f"  {page.name} · axe {violation}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8001")
    parser.add_argument("--out", required=True, type=Path, help="folder for the reports")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    django_setup()
    lighthouse, checked, cookie = demo_pages()
    pages = lighthouse + checked
    # The cookie must really sign in: the dashboard and the home page share the address "/".
    if b'action="/accounts/logout/"' not in fetch(base + "/", cookie):
        raise SystemExit("The session cookie does not sign in: the audit would score the home page twice.")
    for page in lighthouse:
        print(f"    lighthouse: {page.name} ({page.path})", flush=True)
        run_lighthouse(page, base, args.out, cookie)
    print(f"    vnu: {len(pages)} pages", flush=True)
    run_vnu(pages, base, args.out, cookie)
    print(f"    axe: {len(pages)} pages × {len(AXE_RUNS)} (language, mode, width)", flush=True)
    run_axe(pages, base, args.out, cookie)
    print()
    print_table(pages)
    missed = [page for page in pages if page.misses()]
    (args.out / "summary.json").write_text(
        json.dumps(
            [
                {
                    "page": p.name,
                    "path": p.path,
                    "scores": p.scores,
                    "html_errors": p.vnu_errors,
                    "axe": p.axe,
                }
                for p in pages
            ],
            indent=2,
        )
    )
    if missed:
        print(f"\n{len(missed)} page(s) missed a threshold.", file=sys.stderr)
        return 1
    print("\nEvery page meets the thresholds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
