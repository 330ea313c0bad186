"""Open Graph images: a 1200×630 PNG per round and per entry, drawn with Pillow.

"Day 42 of 100", the title, who wrote it and a progress bar, so that a shared link shows
what it is on X, Mastodon and Bluesky (none of them shows an SVG card). Drawn on demand,
kept in the cache under the round's version (any write bumps it) and the owner's day.
Pillow's bundled font is used, so nothing depends on fonts installed on the host.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from journal.models import default_title

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BG, FG, MUTED, ACCENT, TRACK = "#ffffff", "#1f2328", "#57606a", "#0f766e", "#eaeef2"


def _font(size):
    return ImageFont.load_default(size=size)


def _wrap(draw, text, font, width, lines):
    """``text`` in at most ``lines`` lines of ``width`` pixels; the last one ends with "…" if cut."""
    words, out, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            out.append(line)
        line = word
        while draw.textlength(line, font=font) > width:  # one very long word
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def render(*, headline: str, title: str, byline: str, day: int, target: int, site: str) -> bytes:
    """The PNG: ``headline`` ("Day 42 of 100"), ``title``, ``byline`` and a bar of day/target."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BG)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    # The brand: the favicon's square with "100", and the site's name.
    draw.rounded_rectangle((MARGIN, 56, MARGIN + 56, 112), radius=10, fill=ACCENT)
    small = _font(24)
    draw.text((MARGIN + 28, 84), "100", font=small, fill="#ffffff", anchor="mm")
    draw.text((MARGIN + 76, 84), site, font=_font(34), fill=FG, anchor="lm")

    draw.text((MARGIN, 170), headline, font=_font(92), fill=ACCENT)
    y = 290
    for line in _wrap(draw, title, _font(54), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=_font(54), fill=FG)
        y += 66
    byline_lines = _wrap(draw, byline, _font(32), WIDTH - 2 * MARGIN, 1)
    draw.text((MARGIN, 468), byline_lines[0] if byline_lines else "", font=_font(32), fill=MUTED)

    top, bottom = 536, 560
    draw.rounded_rectangle((MARGIN, top, WIDTH - MARGIN, bottom), radius=12, fill=TRACK)
    share = max(0.0, min(1.0, day / target)) if target else 0.0
    if share > 0:
        right = MARGIN + max(24, round((WIDTH - 2 * MARGIN) * share))
        draw.rounded_rectangle((MARGIN, top, right, bottom), radius=12, fill=ACCENT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def round_title(round) -> str:
    return round.title or default_title(round.number)
