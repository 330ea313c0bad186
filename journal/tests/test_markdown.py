"""journal.markdown: GitHub Flavored Markdown, raw HTML as text, bounded time and size."""

from __future__ import annotations

import resource
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from journal import importing, limits, markdown
from journal.clock import today_for
from journal.forms import EntryForm, RoundForm
from journal.logs.data import EntryData, LogData, RoundData
from journal.models import Entry, Round
from journal.tests.factories import make_round

REL = 'rel="nofollow noopener ugc"'
ISSUE_ENTRY = """Today I worked on the **todo app**:
- set up the repo
  - added eslint
- ~~fixed~~ the bug
- [x] task done
Link: https://github.com/me/todo
"""
TYPICAL_ENTRY = (Path(__file__).parent / "gfm" / "typical-entry.md").read_text(encoding="utf-8")


def test_the_entry_of_the_issue_renders_as_github_renders_it():
    assert markdown.render(ISSUE_ENTRY) == (
        "<p>Today I worked on the <strong>todo app</strong>:</p>\n"
        "<ul>\n<li>set up the repo\n<ul>\n<li>added eslint</li>\n</ul>\n</li>\n"
        "<li><del>fixed</del> the bug</li>\n"
        '<li><label><input type="checkbox" checked="" disabled=""> task done\n'
        f'Link: <a href="https://github.com/me/todo" {REL}>https://github.com/me/todo</a></label></li>\n</ul>'
    )


def test_each_task_checkbox_is_labelled_by_its_text_in_tight_and_loose_lists():
    assert markdown.render("- [ ] tight\n  - [x] nested") == (
        '<ul>\n<li><label><input type="checkbox" disabled=""> tight</label>\n<ul>\n'
        '<li><label><input type="checkbox" checked="" disabled=""> nested</label></li>\n</ul>\n</li>\n</ul>'
    )
    assert markdown.render("- [ ] loose\n\n  more") == (
        '<ul>\n<li>\n<p><label><input type="checkbox" disabled=""> loose</label></p>\n<p>more</p>\n</li>\n</ul>'
    )


def test_the_community_hashtag_at_the_start_of_a_line_stays_text():
    assert markdown.render("#100DaysOfCode day 3\nBack at it.") == "<p>#100DaysOfCode day 3\nBack at it.</p>"


@pytest.mark.parametrize(
    "text, html",
    [
        ("# Plan", "<h4>Plan</h4>"),
        ("## Plan", "<h5>Plan</h5>"),
        ("#### Plan", "<h6>Plan</h6>"),
        ("Plan\n===", "<h4>Plan</h4>"),
    ],
)
def test_headings_sit_below_the_entry_heading(text, html):
    assert markdown.render(text) == html


@pytest.mark.parametrize(
    "text, html",
    [
        ("I learnt <div> today", "<p>I learnt &lt;div&gt; today</p>"),
        ("<div>\n  <p>hi</p>\n</div>", "<p>&lt;div&gt;<br>\n  &lt;p&gt;hi&lt;/p&gt;<br>\n&lt;/div&gt;</p>"),
        ("- <b>bold?</b>", "<ul>\n<li>&lt;b&gt;bold?&lt;/b&gt;</li>\n</ul>"),
        ("<!-- a comment -->", "<p>&lt;!-- a comment --&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("`<i>` stays code", "<p><code>&lt;i&gt;</code> stays code</p>"),
    ],
)
def test_raw_html_shows_as_the_text_that_was_typed(text, html):
    assert markdown.render(text) == html


def test_gfm_extensions_tables_strikethrough_autolinks_tasks_and_code_languages():
    html = markdown.render(
        "| Step | Time |\n|:--|--:|\n| API | 1h |\n\n~~old~~ www.example.com\n\n- [ ] next\n\n```python\nprint(1)\n```"
    )
    assert '<th align="left">Step</th>' in html and '<td align="right">1h</td>' in html
    assert "<del>old</del>" in html
    assert f'<a href="http://www.example.com" {REL}>www.example.com</a>' in html
    assert '<input type="checkbox" disabled="">' in html
    assert '<pre><code class="language-python">print(1)\n</code></pre>' in html


def test_the_sanitizer_keeps_only_language_classes_and_disabled_checkboxes():
    assert markdown.sanitize('<code class="language-js">x</code>') == '<code class="language-js">x</code>'
    assert markdown.sanitize('<code class="evil x">x</code>') == "<code>x</code>"
    assert markdown.sanitize('<input type="text" value="x">') == "<input>"
    assert markdown.sanitize('<a href="javascript:alert(1)">x</a>') == f"<a {REL}>x</a>"


# --- bounded cost ---------------------------------------------------------------------------

REFERENCE = "[a]: https://example.com/" + "x" * 10_000 + "\n\n" + "[a] " * 1_666
PATHOLOGICAL = {
    "20,000 backticks": "`" * 20_000,
    "20,000 [": "[" * 20_000,
    "*a 5,000 times": "*a " * 5_000,
    "lists 5,000 deep": "- " * 5_000 + "x",
    "quotes 5,000 deep": "> " * 5_000 + "x",
    "quote markers 5,000 deep": ">" * 5_000 + " x",
    "reference link 1,666 times": REFERENCE,
    "a wide table over many short rows": "|a" * 3_000 + "\n" + "|-" * 3_000 + "\n" + "|a\n" * 3_000,
    "20,000 <": "<" * 20_000,
    "_a_ 5,000 times": "_a_ " * 5_000,
    "3,000 tasks": "- [ ] " * 3_000,
    "2,000 task items": "- [x] done\n" * 2_000,
}


def _cpu_time(function, text, runs=3):
    """The least CPU time of a few runs: the work itself, whatever else the machine runs."""
    best = float("inf")
    for _ in range(runs):
        started = time.thread_time()
        try:
            function(text)
        except markdown.MarkdownRefused:
            pass
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_pathological_text_renders_in_under_50_ms_and_is_kept_small_or_refused(name):
    text = PATHOLOGICAL[name]
    assert _cpu_time(markdown.render, text) < 0.050
    try:
        html = markdown.render(text)
    except markdown.MarkdownRefused as refused:
        assert refused.message
    else:
        assert len(html) <= limits.HTML_RATIO * len(text)


def test_the_reference_link_of_the_issue_does_not_amplify_to_megabytes():
    assert len(markdown.render(REFERENCE)) < 10 * len(REFERENCE)


def test_deep_nesting_and_huge_tables_are_refused_with_a_reason():
    with pytest.raises(markdown.MarkdownRefused, match="nested more than 50 levels"):
        markdown.render("> " * 60 + "x")
    with pytest.raises(markdown.MarkdownRefused, match="cells"):
        markdown.render(PATHOLOGICAL["a wide table over many short rows"])
    assert "<blockquote>" in markdown.render("> " * 50 + "x")


def test_a_typical_entry_of_2_kb_renders_in_half_a_millisecond(capsys):
    assert 1_900 <= len(TYPICAL_ENTRY) <= 2_200
    batches = []
    for _ in range(5):
        started = time.thread_time()
        for _ in range(200):
            markdown.render(TYPICAL_ENTRY)
        batches.append((time.thread_time() - started) / 200)
    with capsys.disabled():
        print(
            f"\ntypical {len(TYPICAL_ENTRY)}-character entry: {min(batches) * 1000:.3f} ms per render (best batch)"
        )
    # The goal is 0.5 ms; the machine running the tests may be busy, so the test allows twice that.
    assert min(batches) < 0.001


def test_rendering_frees_what_cmark_allocates():
    markdown.render(TYPICAL_ENTRY)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3_000):
        markdown.render(TYPICAL_ENTRY + "\n<div>raw</div>")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    # Leaking the document and the output (as cmarkgfm's own wrapper does) would take ~60 MB here.
    assert grown_kb < 16_000


def test_a_refused_render_leaves_nothing_behind_for_the_next_one_on_the_same_thread():
    expected = markdown.render("**bold** and `code`")
    for _ in range(8):
        with pytest.raises(markdown.MarkdownRefused):
            markdown.render("- " * 2_000 + "x")
        assert (
            markdown.render("**bold** and `code`")
            == expected
            == "<p><strong>bold</strong> and <code>code</code></p>"
        )


def test_threads_render_side_by_side_without_losing_each_others_extensions():
    texts = [ISSUE_ENTRY, TYPICAL_ENTRY, "<div>x</div>", "# h", "| a |\n|---|\n| b |"]
    expected = [markdown.render(t) for t in texts]
    results, errors = [], []

    def work():
        try:
            for _ in range(200):
                results.append([markdown.render(t) for t in texts] == expected)
        except Exception as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 1_200 and all(results)


# --- every way in gets a message, never a 500 -------------------------------------------------


@pytest.mark.django_db
def test_the_log_form_refuses_a_costly_text_and_then_logs_an_ordinary_one(auth_client, user):
    round = make_round(user, days_ago=3)
    today = today_for(user).isoformat()
    response = auth_client.post(
        "/log/", {"round": round.number, "date": today, "progress": "> " * 2_000 + "x"}
    )
    assert response.status_code == 400
    assert "nested more than 50 levels deep" in response.content.decode()
    assert not Entry.objects.exists()
    response = auth_client.post("/log/", {"round": round.number, "date": today, "progress": "**bold** move"})
    assert response.status_code == 302
    assert Entry.objects.get().progress_html == "<p><strong>bold</strong> move</p>"


@pytest.mark.django_db
def test_three_thousand_backticks_open_an_empty_code_block_as_on_github(auth_client, user):
    round = make_round(user, days_ago=3)
    response = auth_client.post(
        "/log/", {"round": round.number, "date": today_for(user).isoformat(), "progress": "`" * 3_000}
    )
    assert response.status_code == 302
    assert Entry.objects.get().progress_html == "<pre><code></code></pre>"


def test_the_entry_form_bounds_every_text_field():
    form = EntryForm(
        {
            "date": "2024-05-01",
            "progress": "x" * (limits.ENTRY_PROGRESS + 1),
            "thoughts": "x" * (limits.ENTRY_THOUGHTS + 1),
            "title": "x" * (limits.ENTRY_TITLE + 1),
            "tags": "x" * (limits.TAGS_FIELD + 1),
        }
    )
    assert not form.is_valid()
    assert {"progress", "thoughts", "title", "tags"} <= set(form.errors)


@pytest.mark.django_db
def test_a_round_description_of_two_megabytes_is_refused_with_a_message(user):
    data = {
        "title": "",
        "start_date": "2024-05-01",
        "target": 100,
        "rule": "official",
        "visibility": "private",
    }
    form = RoundForm({**data, "description": "x" * 2_000_000}, instance=Round(user=user, number=1))
    assert not form.is_valid()
    assert "at most 5000 characters" in str(form.errors["description"])
    form = RoundForm({**data, "description": ">" * 3_000 + " deep"})
    form.instance = Round(user=user, number=1)
    assert not form.is_valid() and "too much HTML" in str(form.errors["description"])


@pytest.mark.django_db
def test_an_import_with_a_costly_entry_is_refused_naming_its_line(user):
    entries = [
        EntryData(date=date(2024, 1, 1), day=1, progress="Fine.", line=3),
        EntryData(date=date(2024, 1, 2), day=2, progress="> " * 3_000 + "deep", line=7),
        EntryData(date=date(2024, 1, 3), day=3, progress="x" * (limits.ENTRY_PROGRESS + 1), line=11),
    ]
    log = LogData(rounds=[RoundData(title="R", entries=entries, description="ok")])
    plan = importing.plan_import(user, log)
    messages = [str(p) for p in plan.problems]
    assert messages == [
        "line 7: day 2: Lists and quotes are nested more than 50 levels deep here. Flatten them a little.",
        f"line 11: the text of day 3 is longer than {limits.ENTRY_PROGRESS} characters",
    ]
    with pytest.raises(importing.ImportRefused):
        importing.apply_import(user, log)
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_the_services_refuse_a_costly_text_for_any_caller_with_the_field_named(user):
    from journal import services

    round = make_round(user, days_ago=3)
    with pytest.raises(services.RuleError) as refused:
        services.create_entry(round, date=today_for(user), progress="ok", thoughts="> " * 100 + "x")
    assert refused.value.field == "thoughts" and "nested more than 50" in refused.value.message
    with pytest.raises(services.RuleError) as refused:
        services.update_round(round, description="x" * (limits.ROUND_DESCRIPTION + 1))
    assert refused.value.field == "description" and "longer than 5000 characters" in refused.value.message
    assert not Entry.objects.exists()
