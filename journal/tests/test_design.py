"""The design system: its colour pairs meet WCAG AA in both modes, and /design/ shows it to staff only."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()

# (text, background) pairs that the stylesheet draws; each must reach 4.5:1.
TEXT_PAIRS = [
    ("fg", "bg"), ("fg", "card"), ("muted", "bg"), ("muted", "card"), ("muted", "future"),
    ("link", "bg"), ("link", "card"), ("accent-fg", "accent"), ("danger-fg", "danger"),
    ("ok", "ok-bg"), ("warn", "warn-bg"), ("bad", "bad-bg"), ("fg", "ok-bg"), ("fg", "warn-bg"),
    ("fg", "bad-bg"), ("bad", "bg"), ("warn", "bg"), ("logged-fg", "logged"), ("today", "bg"),
    ("missed", "bad-bg"),
]  # fmt: skip
# Things that are not text (borders of inputs, the focus ring) need 3:1.
UI_PAIRS = [("input-line", "bg"), ("focus", "bg"), ("accent", "bg")]


def tokens(block):
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", block))


def light():
    return tokens(re.search(r":root, \.theme-light \{(.*?)\n\}", CSS, re.S)[1])


def dark():
    return tokens(re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", CSS, re.S)[1])


def ratio(a, b):
    def luminance(hex_colour):
        r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        f = lambda c: c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_colour_pair_meets_wcag_aa(mode):
    palette = light() if mode == "light" else dark()
    low = [
        f"--{fg} on --{bg}: {ratio(palette[fg], palette[bg]):.2f}"
        for pairs, minimum in ((TEXT_PAIRS, 4.5), (UI_PAIRS, 3.0))
        for fg, bg in pairs
        if ratio(palette[fg], palette[bg]) < minimum
    ]
    assert not low, low


def test_the_dark_danger_button_is_readable():
    # Defect 13: #fff on #ff7b72 was 2.52:1 on the delete confirmations.
    assert ratio(dark()["danger-fg"], dark()["danger"]) >= 4.5


def test_the_design_pages_dark_panel_uses_the_same_tokens_as_dark_mode():
    panel = tokens(re.search(r"\.theme-dark \{(.*?)\}", CSS, re.S)[1])
    assert panel == dark()


@pytest.mark.django_db
def test_the_design_page_is_for_staff_only(client, make_user):
    assert client.get("/design/")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("ada@example.com", handle="ada"))
    assert client.get("/design/").status_code == 404
    client.force_login(make_user("staff@example.com", handle="staff", is_staff=True))
    page = client.get("/design/").content.decode()
    assert 'class="theme-light design-panel"' in page and 'class="theme-dark design-panel"' in page
    for component in ('class="secondary"', 'class="danger"', "<fieldset", 'class="card"', "message warning",
                      'class="badge', 'table class="reflow"', 'class="grid"'):  # fmt: skip
        assert page.count(component) >= 2, component
