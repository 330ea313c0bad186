"""The Spanish and English catalogues, and the interface in each language.

1. Every entry of ``locale/es`` is translated and none is fuzzy.
2. The committed ``.mo`` files hold exactly what the ``.po`` files say.
3. Placeholders, HTML tags and hashtags of each translation match its msgid's.
4. The language comes from the user's setting, else ``Accept-Language``, else English;
   the footer switcher sets it (cookie, and the profile when signed in); dates are localized.
5. The main pages rendered in Spanish show no English interface words.

To fix a failure of 1–3: ``make messages`` (makemessages + compilemessages), translate what
it lists in ``locale/es/LC_MESSAGES/django.po``, then compile again.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, translation

from journal import selectors
from journal.clock import today_for
from journal.services import LinkInput
from journal.tests.factories import log, make_round

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGS = ("es", "en")


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A request leaves its language active in the thread: Spanish must not leak into later tests
    (the log parsers translate their errors when they raise them)."""
    yield
    translation.deactivate()


# --- a tiny .po reader ---------------------------------------------------------------------


class PoEntry:
    def __init__(self):
        self.msgctxt = None
        self.msgid = ""
        self.msgid_plural = None
        self.msgstr = ""
        self.msgstr_plural: dict[int, str] = {}
        self.flags: set[str] = set()
        self.line = 0

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None

    @property
    def strings(self) -> list[str]:
        return list(self.msgstr_plural.values()) if self.msgid_plural is not None else [self.msgstr]

    @property
    def translated(self) -> bool:
        return all(self.strings) and bool(self.strings)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def __repr__(self):
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    # A .po string is a C string literal; Python's reading of it is the same for what msgfmt accepts.
    return ast.literal_eval(text)


def read_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file (obsolete ``#~`` entries are left out), header first."""
    entries: list[PoEntry] = []
    entry, field = None, None  # field: (name, index) that a continuation line extends

    def finish():
        nonlocal entry, field
        if entry is not None and entry.line:
            entries.append(entry)
        entry, field = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            finish()
            continue
        if line.startswith("#"):
            if entry is not None and entry.line:  # comments start the next entry
                finish()
            entry = entry or PoEntry()
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith('"'):
            assert field is not None, f"{path}:{number}: a string continues nothing"
            name, index = field
            if name == "msgstr_plural":
                entry.msgstr_plural[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry is not None and entry.line and field[0] != "msgctxt":
            finish()  # a new entry without a blank line before it
        entry = entry or PoEntry()
        entry.line = entry.line or number
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            field = ("msgstr_plural", int(plural[1]))
            entry.msgstr_plural[field[1]] = _unquote(rest)
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            field = (keyword, None)
            setattr(entry, keyword, _unquote(rest))
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def catalogue(lang: str) -> list[PoEntry]:
    return read_po(LOCALE / lang / "LC_MESSAGES" / "django.po")


def messages(lang: str) -> list[PoEntry]:
    return [e for e in catalogue(lang) if not e.is_header]


def header(lang: str) -> dict[str, str]:
    head = catalogue(lang)[0]
    assert head.is_header, "the catalogue starts without its header"
    return dict(line.split(": ", 1) for line in head.msgstr.splitlines() if ": " in line)


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as f:
        return dict(gettext.GNUTranslations(f)._catalog)


def expected_mo_catalog(lang: str) -> dict:
    """What msgfmt puts in the .mo for this .po: translated, non-fuzzy entries only."""
    expected = {}
    for e in messages(lang):
        if e.fuzzy or not e.translated:
            continue
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[key] = e.msgstr
        else:
            for index, text in e.msgstr_plural.items():
                expected[(key, index)] = text
    return expected


def without_header(catalog: dict) -> dict:
    return {k: v for k, v in catalog.items() if k != ""}


# --- 1. nothing untranslated or fuzzy ----------------------------------------------------------


def test_both_catalogues_exist_and_cover_the_same_msgids():
    ids = {lang: {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(lang)} for lang in LANGS}
    assert len(ids["es"]) > 100
    assert ids["es"] == ids["en"], "run makemessages for both languages"
    for lang in LANGS:
        assert (LOCALE / lang / "LC_MESSAGES" / "django.mo").is_file(), f"compile {lang}: compilemessages"


def test_spanish_has_no_untranslated_or_fuzzy_entry():
    problems = [
        f"{'fuzzy' if e.fuzzy else 'untranslated'}: {e!r}"
        for e in messages("es")
        if e.fuzzy or not e.translated
    ]
    assert not problems, "Translate these in locale/es/LC_MESSAGES/django.po:\n" + "\n".join(problems)


def test_spanish_header_is_complete_and_not_fuzzy():
    head = catalogue("es")[0]
    assert not head.fuzzy
    meta = header("es")
    assert meta["Language"] == "es"
    assert meta["Content-Type"] == "text/plain; charset=UTF-8"
    assert meta["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    for e in messages("es"):
        if e.msgid_plural is not None:
            assert sorted(e.msgstr_plural) == [0, 1], e


# --- 2. the compiled catalogues are up to date ------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_committed_mo_matches_the_po(lang):
    mo = without_header(mo_catalog(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    expected = expected_mo_catalog(lang)
    stale = sorted(str(k) for k in expected if mo.get(k) != expected[k])
    extra = sorted(str(k) for k in mo if k not in expected)
    assert not stale and not extra, (
        f"locale/{lang}/LC_MESSAGES/django.mo is out of date: run compilemessages.\n"
        f"missing or different: {stale[:20]}\nnot in the .po: {extra[:20]}"
    )


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("lang", LANGS)
def test_msgfmt_accepts_the_po_and_agrees_with_this_reader(lang, tmp_path):
    """msgfmt --check-format also catches a broken python-format string."""
    out = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(out), str(LOCALE / lang / "LC_MESSAGES" / "django.po")],
        check=True,
        capture_output=True,
    )
    assert without_header(mo_catalog(out)) == expected_mo_catalog(lang)


# --- 3. placeholders, tags and hashtags survive translation -----------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sd]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
HASHTAG = re.compile(r"#100DaysOfCode")


def _placeholders(text):
    return sorted({m.group() for m in PLACEHOLDER.finditer(text)})


def test_placeholders_tags_and_hashtags_match_the_msgid():
    problems = []
    for e in messages("es"):
        if not e.translated:
            continue
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural is not None else [])
        wanted = sorted(set().union(*(_placeholders(s) for s in sources)))
        tags = sorted(TAG.findall(e.msgid))
        hashtags = len(HASHTAG.findall(e.msgid))
        if wanted and "python-format" not in e.flags:
            problems.append(f"{e!r} has placeholders but no python-format flag")
        for text in e.strings:
            if _placeholders(text) != wanted:
                problems.append(f"placeholders {_placeholders(text)} != {wanted} in {e!r}")
            if sorted(TAG.findall(text)) != tags:
                problems.append(f"HTML tags differ in {e!r}")
            if len(HASHTAG.findall(text)) != hashtags:
                problems.append(f"#100DaysOfCode is lost or added in {e!r}")
    assert not problems, "\n".join(problems)


def test_the_reader_reads_multiline_and_plural_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"a %(n)s "\n"b"\nmsgstr "c \\"d\\""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "uno"\nmsgstr[1] ""\n\n'
        '#~ msgid "old"\n#~ msgstr "viejo"\n',
        encoding="utf-8",
    )
    head, first, second = read_po(po)
    assert head.is_header and "Language: es" in head.msgstr
    assert (first.msgid, first.msgstr, first.fuzzy) == ("a %(n)s b", 'c "d"', True)
    assert second.msgstr_plural == {0: "uno", 1: ""} and not second.translated


# --- 4. which language a visitor gets -----------------------------------------------------------

SPANISH_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
)


def text_of(response) -> str:
    return visible_text(response.content.decode())


@pytest.mark.django_db
def test_the_home_page_follows_accept_language(anon_client):
    es = anon_client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    body = es.content.decode()
    assert '<html lang="es">' in body
    for phrase in ("Iniciar sesión", "Crear una cuenta", "Explorar", "Últimas entradas públicas"):
        assert phrase in body
    assert "Sign in" not in text_of(es)

    en = anon_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = en.content.decode()
    assert '<html lang="en">' in body
    for phrase in ("Sign in", "Create an account", "Explore", "Latest public entries"):
        assert phrase in body
    assert "Iniciar sesión" not in body


@pytest.mark.django_db
def test_without_accept_language_the_site_is_in_english(anon_client):
    assert "Create an account" in anon_client.get("/").content.decode()


@pytest.mark.django_db
def test_a_users_saved_language_wins_over_the_browser(auth_client, user):
    user.language = "es"
    user.save(update_fields=["language"])
    round = make_round(user, days_ago=3)
    log(round, 3, 2, progress="xyz")
    response = auth_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert '<html lang="es">' in body
    for phrase in ("Panel", "Día 3 de 100", "Racha actual", "Registra hoy", "Cerrar sesión"):
        assert phrase in body, phrase
    assert "Log today" not in body and "Current streak" not in body
    # Dates in Spanish: the projected finish as Spanish writes it, with a Spanish month name.
    today = today_for(user)
    summary = selectors.round_summary(round, today, dates=[today - timedelta(days=d) for d in (3, 2)])
    with translation.override("es"):
        finish = formats.date_format(summary.finish, "DATE_FORMAT")
    assert any(month in finish for month in SPANISH_MONTHS), finish
    assert finish in body


@pytest.mark.django_db
def test_a_user_without_a_saved_language_gets_the_browsers(auth_client, user):
    assert user.language == ""
    assert "Cerrar sesión" in auth_client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Sign out" in auth_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_the_switcher_sets_a_cookie_for_a_visitor(anon_client):
    response = anon_client.post("/account/language/", {"language": "es", "next": "/explore/"})
    assert response.status_code == 302
    assert response["Location"] == "/explore/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = anon_client.get("/explore/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Últimas entradas públicas" in page and "Iniciar sesión" in page

    anon_client.post("/account/language/", {"language": "en", "next": "/"})
    assert "Sign in" in anon_client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


@pytest.mark.django_db
def test_the_switcher_saves_the_language_of_a_signed_in_user(auth_client, user):
    response = auth_client.post("/account/language/", {"language": "es", "next": "/rounds/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "es"
    page = auth_client.get("/rounds/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mis rondas" in page and "Cerrar sesión" in page

    # The saved choice follows the user to a new browser without the cookie.
    from django.test import Client

    fresh = Client()
    fresh.force_login(user)
    assert "Mis rondas" in fresh.get("/rounds/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_the_switcher_ignores_an_unknown_language_and_a_foreign_next(auth_client, user):
    response = auth_client.post("/account/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == ""


@pytest.mark.django_db
def test_the_footer_offers_both_languages(anon_client):
    body = anon_client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'action="/account/language/"' in body
    assert 'name="language" value="es"' in body and 'name="language" value="en"' in body
    assert "Idioma" in body


# --- 5. no English left on the Spanish pages -----------------------------------------------------

# Interface words that never belong on a Spanish page (whole words, case-sensitive).
# User content in the fixtures is "xyz"; names of things (Hundred Days, Google, Markdown,
# JSON, README, Atom, #100DaysOfCode, DELETE typed to confirm) are not in this list.
ENGLISH = [
    "Sign in",
    "Sign out",
    "Sign up",
    "Dashboard",
    "Streak",
    "streak",
    "Log today",
    "Log a day",
    "Settings",
    "Delete",
    "Save",
    "Edit",
    "Cancel",
    "Journal",
    "Stats",
    "Explore",
    "Account",
    "Rounds",
    "Round",
    "round",
    "Today",
    "today",
    "logged",
    "missed",
    "upcoming",
    "Entries",
    "entries",
    "entry",
    "Minutes",
    "minutes",
    "Tags",
    "Thoughts",
    "Links",
    "Download",
    "Password",
    "Language",
    "Start",
    "Back",
    "Share",
    "optional",
    "Skip",
    "Next",
    "Previous",
    "Page",
    "Welcome",
    "Your",
    "your",
    "Yesterday",
    "Current",
    "Longest",
    "Projected",
    "Weekday",
    "Day",
    "days",
    "Remember",
    "Forgot",
    "Already",
    "Import",
    "Preview",
    "Upload",
    "Choose",
    "New",
    "Conflict",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")
# Fixed examples of the formats the importer reads: they are shown as they are written.
EXAMPLES = ("“### Day 1: March 4, 2024”",)


class _Text(HTMLParser):
    """Text a person sees or hears: text nodes, <title>, and alt/title/aria-label/placeholder/
    value-of-buttons attributes; not <script>, <style> or <code>."""

    SKIP = {"script", "style", "code", "pre"}
    ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self.skipping += 1
        self.parts.extend(attrs[a] for a in self.ATTRIBUTES if attrs.get(a))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        if tag == "meta" and attrs.get("name") == "description":
            self.parts.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for example in EXAMPLES:
        text = text.replace(example, "")
    return text


@pytest.fixture
def spanish_pages(client, user, other_user):
    """A Spanish-speaking participant with an at-risk round, a broken one and a full entry."""
    user.language = "es"
    user.display_name = "Xyz"
    user.save(update_fields=["language", "display_name"])
    broken = make_round(user, days_ago=30, title="xyz")
    log(broken, 30, 29, progress="xyz")
    round = make_round(user, days_ago=6, title="xyz")
    log(round, 6, 5, 4, progress="xyz")
    full = log(
        round,
        2,
        progress="xyz",
        title="xyz",
        thoughts="xyz",
        minutes=45,
        tags=["xyz"],
        links=[LinkInput(url="https://example.com/xyz", label="xyz")],
    )
    # yesterday is missed: the round is at risk; today is not logged: the form shows
    other_user.display_name = "Xyz"
    other_user.save(update_fields=["display_name"])
    log(make_round(other_user, days_ago=3, title="xyz"), 3, 2, 1, 0, progress="xyz", minutes=30)
    client.force_login(user)
    return {"client": client, "round": round, "broken": broken, "entry": full}


def _pages(data):
    r, b, entry = data["round"], data["broken"], data["entry"]
    date = entry.date.isoformat()
    return [
        f"/@ada/r{r.number}/",
        "/",
        "/log/",
        f"/log/?round={r.number}",
        "/rounds/",
        "/rounds/new/",
        f"/rounds/{r.number}/settings/",
        f"/rounds/{r.number}/delete/",
        f"/@ada/r{b.number}/",
        f"/@ada/r{r.number}/{date}/",
        f"/rounds/{r.number}/{date}/edit/",
        f"/rounds/{r.number}/{date}/delete/",
        f"/@ada/r{r.number}/stats/",
        "/explore/",
        "/@ada/",
        "/@grace/",
        "/account/",
        "/import/",
        "/account/data/",
        "/account/delete/",
    ]


def _english_on(html: str) -> list[str]:
    text = visible_text(html)
    return sorted(
        {
            f"{m.group()!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…"
            for m in ENGLISH_RE.finditer(text)
        }
    )


def test_the_english_word_list_catches_english(spanish_pages):
    """The check below is not vacuous: the same pages in English are full of these words."""
    client = spanish_pages["client"]
    client.post("/account/language/", {"language": "en"})
    assert len(_english_on(client.get("/").content.decode())) > 10
    client.post("/account/language/", {"language": "es"})


def test_the_main_pages_in_spanish_show_no_english(spanish_pages):
    client = spanish_pages["client"]
    found = {}
    for path in _pages(spanish_pages):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, path
        assert '<html lang="es">' in response.content.decode(), path
        if english := _english_on(response.content.decode()):
            found[path] = english
    assert not found, "English on Spanish pages:\n" + "\n".join(f"{p}: {w}" for p, w in found.items())


@pytest.mark.django_db
def test_sign_in_and_sign_up_in_spanish_show_no_english(anon_client):
    found = {}
    for path in ("/", "/explore/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        response = anon_client.get(path, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200, path
        if english := _english_on(response.content.decode()):
            found[path] = english
    assert not found, "English on Spanish pages:\n" + "\n".join(f"{p}: {w}" for p, w in found.items())


def test_form_errors_and_messages_are_spanish(spanish_pages):
    client = spanish_pages["client"]
    round = spanish_pages["round"]
    future = (today_for(round.user) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/log/?round={round.number}", {"round": round.number, "date": future, "progress": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert not _english_on(body)
    assert "No puedes registrar un día que aún no ha llegado." in body
    assert "Este campo es obligatorio." in body  # Django's own messages come in Spanish too

    today = today_for(round.user).isoformat()
    response = client.post(
        f"/log/?round={round.number}", {"round": round.number, "date": today, "progress": "xyz"}, follow=True
    )
    body = response.content.decode()
    assert "registrado. ¡Sigue así!" in body
    assert not _english_on(body)


def test_the_import_preview_is_spanish(spanish_pages):
    client = spanish_pages["client"]
    log_md = ("# xyz\n\n## Día 1\n\nxyz\n\n## Día 2\n\nxyz\n").encode()
    upload = SimpleUploadedFile("xyz.md", log_md, content_type="text/markdown")
    start = (today_for(spanish_pages["round"].user) - timedelta(days=40)).isoformat()
    response = client.post("/import/", {"step": "preview", "file": upload, "start": start})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Revisa la importación" in body
    assert not _english_on(body), _english_on(body)


@pytest.mark.django_db
def test_a_feed_is_in_its_owners_language_whoever_reads_it(anon_client, user):
    user.language = "es"
    user.save(update_fields=["language"])
    log(make_round(user, days_ago=3), 3, progress="xyz", title="xyz")
    feed = anon_client.get("/@ada/r1/feed/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Día 1: xyz</title>" in feed
    assert "Day 1" not in feed


def test_an_import_error_is_spanish_with_its_line(spanish_pages):
    """The parsers' reasons and their "line N: " prefix come in the reader's language."""
    client = spanish_pages["client"]
    broken = "# xyz\n\n## Día 400\n\nxyz\n".encode()
    upload = SimpleUploadedFile("xyz.md", broken, content_type="text/markdown")
    response = client.post("/import/", {"step": "preview", "file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Este archivo no se puede importar: línea 3: el día 400 está fuera de rango (de 0 a 366)" in body
    assert not _english_on(body), _english_on(body)


def test_an_import_conflict_names_the_fields_in_spanish(spanish_pages):
    client = spanish_pages["client"]
    round = spanish_pages["round"]
    first = today_for(round.user) - timedelta(days=6)  # day 1 of the round, logged with "xyz"
    changed = f"## Día 1: {first.isoformat()}\n\nzyx\n".encode()
    upload = SimpleUploadedFile("xyz.md", changed, content_type="text/markdown")
    response = client.post("/import/", {"step": "preview", "file": upload, "round": round.number})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Conflicto" in body and "(progreso de hoy)" in body
    assert "(progress)" not in body
    assert not _english_on(body), _english_on(body)


# --- rounds that are over, in Spanish ------------------------------------------------------------


def _over_rounds(user):
    """A finished calendar round (2 of 5) and a completed one (3 of 3), both in the past."""
    finished = make_round(user, days_ago=20, rule="calendar", target=5, title="xyz")
    log(finished, 20, 19, progress="xyz")
    completed = make_round(user, days_ago=12, rule="calendar", target=3, title="xyz")
    log(completed, 12, 11, 10, progress="xyz")
    return finished, completed


def test_rounds_that_are_over_say_how_they_ended_in_spanish(spanish_pages):
    client = spanish_pages["client"]
    user = spanish_pages["round"].user
    broken = spanish_pages["broken"]
    today = today_for(user)
    with translation.override("es"):
        broke_on = formats.date_format(today - timedelta(days=27))
    finished, completed = _over_rounds(user)
    with translation.override("es"):
        finish = formats.date_format(finished.start_date + timedelta(days=4))
        completed_on = formats.date_format(completed.start_date + timedelta(days=2))

    body = client.get(f"/@ada/r{broken.number}/").content.decode()
    assert f"Se rompió el {broke_on} tras 2 días" in visible_text(body)
    assert "aquí se rompió la ronda" in body and "Esta ronda está rota." in body
    assert not _english_on(body), _english_on(body)

    body = client.get(f"/@ada/r{finished.number}/").content.decode()
    assert f"Terminó el {finish}: 2 de 5 días registrados" in visible_text(body)
    assert "Esta ronda ha terminado." in body and "Racha final" in body
    assert not _english_on(body), _english_on(body)

    body = client.get(f"/@ada/r{completed.number}/").content.decode()
    assert f"Completada el {completed_on}: 3 de 3 días registrados" in visible_text(body)
    assert "¡Ronda completada!" in body
    assert not _english_on(body), _english_on(body)

    listing = visible_text(client.get("/rounds/").content.decode())
    assert "terminada" in listing and "completada" in listing and "rota" in listing


def test_the_next_round_offer_is_spanish(spanish_pages):
    client = spanish_pages["client"]
    user = spanish_pages["round"].user
    finished = make_round(user, days_ago=3, rule="calendar", target=2, title="xyz")
    log(finished, 3, progress="xyz")
    body = client.get("/").content.decode()
    assert "¿Empiezas la ronda 4?" in body and "Empezar la ronda 4" in body
    assert "Una ronda nueva empieza en el día 1" in body
    assert not _english_on(body), _english_on(body)


def test_the_badge_of_a_round_that_is_over_is_spanish(spanish_pages, anon_client):
    broken = spanish_pages["broken"]
    broken.visibility = "public"
    broken.save(update_fields=["visibility"])
    svg = anon_client.get(f"/@ada/r{broken.number}/badge.svg", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">rota en 2/100<" in svg
    assert "Se rompió el" in svg and "perdidos" in svg
    assert "Broke" not in svg and "broke" not in svg


def test_the_import_previews_rule_choice_is_spanish(spanish_pages):
    client = spanish_pages["client"]
    log_md = "# xyz\n\n## Día 1\n\nxyz\n\n## Día 2\n\nxyz\n".encode()
    upload = SimpleUploadedFile("xyz.md", log_md, content_type="text/markdown")
    start = (today_for(spanish_pages["round"].user) - timedelta(days=40)).isoformat()
    body = client.post("/import/", {"step": "preview", "file": upload, "start": start}).content.decode()
    text = visible_text(body)
    assert "Hoy queda así: Se rompió el" in text
    assert "¿Cómo debe contar esta ronda?" in text
    assert "Tal como está (regla oficial): Se rompió el" in text
    assert "Con la regla de calendario: Día 41 de 100; 38 días perdidos" in text
    assert "(menos días perdidos)" in text
    assert not _english_on(body), _english_on(body)


def test_the_cohort_pages_in_spanish_show_no_english(spanish_pages, other_user):
    """The organizer's table (with an at-risk member), settings, CSV headers and the join page."""
    from cohorts import services as cohort_services

    client, user = spanish_pages["client"], spanish_pages["round"].user
    cohort = cohort_services.create_cohort(
        user, name="xyz", start_date=spanish_pages["round"].start_date, take_part=True, language="es"
    )
    cohort_services.join(cohort, other_user)
    found = {}
    for path in (
        "/cohorts/",
        "/cohorts/new/",
        f"/c/{cohort.slug}/",
        f"/c/{cohort.slug}/?show=at-risk",
        f"/c/{cohort.slug}/settings/",
        f"/c/{cohort.slug}/leave/",
        f"/c/{cohort.slug}/delete/",
    ):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, path
        if english := _english_on(response.content.decode()):
            found[path] = english
    assert not found, "English on Spanish pages:\n" + "\n".join(f"{p}: {w}" for p, w in found.items())
    header = client.get(f"/c/{cohort.slug}/members.csv").content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Nombre,Alias,Papel,Ronda,Día,Objetivo,Días registrados,Racha actual")
    other = type(client)()
    other.force_login(type(user).objects.create_user(email="x@example.com", handle="xyz", language="es"))
    join = other.get(f"/c/{cohort.slug}/join/{cohort.invite_token}/").content.decode()
    assert "Qué compartes con quienes organizan el grupo al unirte" in join
    assert not _english_on(join), _english_on(join)
