"""Look-and-feel defects a test can hold, so a fixed one stays fixed: words on the page, links, limits."""

import re
from html.parser import HTMLParser

import pytest

from journal.clock import today_for
from journal.tests.factories import log, make_round

pytestmark = pytest.mark.django_db


def text_of(html):
    """The visible text of a page, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def h1_of(html):
    return text_of(re.search(r"<h1\b.*?</h1>", html, re.S)[0])


# --- 1. The round's label once ------------------------------------------------------------


def test_the_default_round_title_is_not_followed_by_its_label_again(auth_client, user):
    make_round(user)  # "#100DaysOfCode R1"
    assert h1_of(auth_client.get("/").content.decode()) == "#100DaysOfCode R1"
    form = text_of(auth_client.get("/log/").content.decode())
    assert "#100DaysOfCode R1 · Today is" in form
    assert "R1 · R1" not in form


def test_a_title_of_its_own_keeps_the_round_label(auth_client, user):
    make_round(user, title="Learning Rust")
    assert h1_of(auth_client.get("/").content.decode()) == "Learning Rust R1"
    assert "Learning Rust · R1 · Today is" in text_of(auth_client.get("/log/").content.decode())


def test_r10_in_a_title_is_not_r1(user):
    round = make_round(user, title="Sequel to R10")
    assert not round.title_names_number


# --- 5. The sign-in page ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, forgot, remember",
    [("en", "Forgot your password?", "Remember me"), ("es", "¿Olvidaste tu contraseña?", "Recordarme")],
)
def test_the_sign_in_page_links_the_password_reset_once(client, lang, forgot, remember):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert page.count("/accounts/password/reset/") == 1
    assert text_of(page).count(forgot) == 1
    assert remember in text_of(page)
    assert "Remember Me" not in page


# --- 9. The admin's sections ---------------------------------------------------------------


def test_the_admin_home_has_no_two_sections_with_the_same_heading(admin_client):
    page = admin_client.get("/admin/").content.decode()
    captions = [text_of(c) for c in re.findall(r"<caption>(.*?)</caption>", page, re.S)]
    assert len(captions) >= 3
    assert len(captions) == len(set(captions)), captions


# --- 10. One Markdown file per round --------------------------------------------------------


def test_my_data_offers_each_round_as_one_markdown_file(auth_client, user, other_user):
    round = make_round(user, title="Learning Rust", days_ago=3)
    log(round, 3, 2, progress="Ownership and **borrowing**.")
    page = auth_client.get("/account/data/").content.decode()
    assert 'href="/account/data/r1.md"' in page
    response = auth_client.get("/account/data/r1.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hundreddays-ada-r1.md"'
    body = response.content.decode()
    assert "Learning Rust" in body and "Ownership and **borrowing**." in body
    assert auth_client.get("/account/data/r2.md").status_code == 404
    theirs = make_round(other_user, title="Grace's round")
    assert theirs.number == 1
    assert "Grace" not in auth_client.get("/account/data/r1.md").content.decode()


# --- 11. A duplicate date links to the entry that has it ------------------------------------


def test_a_duplicate_date_links_to_the_entry_of_that_day(auth_client, user):
    round = make_round(user, days_ago=3)
    entry = log(round, 1, progress="Already here.")
    response = auth_client.post(
        f"/log/?round={round.number}",
        {"round": round.number, "date": entry.date.isoformat(), "progress": "Again?"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    link = f'<a href="/rounds/1/{entry.date.isoformat()}/edit/">Edit the entry of that day</a>'
    assert link in page
    assert "is already logged in this round" in page


# --- 12. The entry field has no silent cut --------------------------------------------------


def test_a_long_paste_is_refused_with_a_message_not_cut(auth_client, user):
    make_round(user, days_ago=3)
    page = auth_client.get("/log/").content.decode()
    textarea = re.search(r"<textarea[^>]*name=\"progress\"[^>]*>", page)[0]
    assert " maxlength=" not in textarea
    assert 'data-maxlength="20000"' in textarea
    today = today_for(user)
    response = auth_client.post("/log/", {"round": 1, "date": today.isoformat(), "progress": "x" * 20001})
    assert response.status_code == 400
    assert "at most 20000 characters (it has 20001)" in text_of(response.content.decode()).replace(",", "")
    assert not user.rounds.get().entries.exists()


# --- 13. Help text that holds a list is valid HTML and described -----------------------------


class _Tree(HTMLParser):
    """Counts <ul> inside <p> or <span> (the parser would close the <p> there)."""

    def __init__(self):
        super().__init__()
        self.stack, self.bad = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol", "div") and any(t in ("p", "span") for t in self.stack):
            self.bad += 1
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/password/change/"])
def test_password_rules_are_in_the_described_help_and_the_html_is_valid(client, user, path):
    if "change" in path:
        client.force_login(user)
    page = client.get(path).content.decode()
    tree = _Tree()
    tree.feed(page)
    assert tree.bad == 0
    name = "password1" if "signup" in path else "password1"
    assert f'aria-describedby="id_{name}_helptext"' in page
    help_block = re.search(rf'<div class="help" id="id_{name}_helptext">(.*?)</div>', page, re.S)[1]
    assert "<li>" in help_block and "at least 8 characters" in help_block


# --- 13. The error pages are the app's pages -------------------------------------------------


def _is_a_full_page(html):
    assert '<meta name="viewport"' in html
    assert "<main" in html and "<header" in html and "<footer" in html
    assert "/static/css/app.css" in html or "app.css" in html


@pytest.mark.parametrize(
    "lang, heading", [("en", "This page isn't here"), ("es", "Esta página no está aquí")]
)
def test_a_404_is_a_page_of_the_app_in_the_visitors_language(client, lang, heading):
    response = client.get("/@nobody-here/r9/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 404
    html = response.content.decode()
    _is_a_full_page(html)
    assert h1_of(html) == heading
    assert f'<html lang="{lang}">' in html


def test_a_500_is_a_page_of_the_app_that_needs_nothing_but_templates(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    _is_a_full_page(html)
    assert h1_of(html) == "Something went wrong on our side"


# --- 7. The start-round form explains each choice -----------------------------------------


def test_each_rule_and_visibility_is_explained_beside_its_choice(auth_client):
    page = auth_client.get("/rounds/new/").content.decode()
    for value, sentence in [
        ("official", "a missed day does not count"),
        ("calendar", "the round ends on a fixed date"),
        ("public", "anyone can read it"),
        ("unlisted", "only people you give the link to can read it"),
        ("private", "Only you can see it."),
    ]:
        label = re.search(
            rf'<label class="choice" for="[^"]+">\s*<input[^>]*value="{value}"[^>]*>(.*?)</label>', page, re.S
        )
        assert label and sentence in label[1], value
    assert page.count('<fieldset class="field">') == 2


# --- The Markdown preview -----------------------------------------------------------------


def test_the_preview_button_shows_the_entry_as_it_will_be_saved_and_saves_nothing(auth_client, user):
    make_round(user, days_ago=3)
    response = auth_client.post(
        "/log/",
        {"round": 1, "date": today_for(user).isoformat(), "progress": "Read **two** chapters <script>x()</script>",
         "thoughts": "- a\n- b", "preview": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    preview = re.search(r'<section class="preview" id="preview"[^>]*>(.*?)</section>', page, re.S)[1]
    assert "Read <strong>two</strong> chapters" in preview
    assert "<script>" not in preview
    assert "<li>a</li>" in preview
    assert "Read **two** chapters" in page  # the text stays in the field, to go on editing
    assert not user.rounds.get().entries.exists()


def test_the_live_preview_gets_the_fragment_from_the_same_renderer(auth_client, user):
    from journal import markdown

    round = make_round(user, days_ago=3)
    entry = log(round, 1, progress="Old")
    text = "A `code` span and a [link](https://example.com)"
    response = auth_client.post(
        f"/rounds/1/{entry.date.isoformat()}/edit/",
        {"date": entry.date.isoformat(), "progress": text, "preview": "1"},
        HTTP_X_PREVIEW="fragment",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert markdown.render(text) in html
    entry.refresh_from_db()
    assert entry.progress == "Old"


def test_the_entry_form_loads_its_script_from_the_site(auth_client, user):
    make_round(user, days_ago=3)
    page = auth_client.get("/log/").content.decode()
    assert re.search(r'<script src="/static/js/entry[^"]*\.js" defer></script>', page)
    assert "<script>" not in page
