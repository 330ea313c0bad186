"""The README badge: an SVG of a round's day grid and "N/T", cheap to revalidate.

An embeddable image is fetched without cookies (GitHub's camo proxy), so a
private round has no badge, not even for its owner. Every piece of user text
is XML-escaped, without the characters XML forbids (hundreddays.textsafety).
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_safe

from hundreddays import textsafety
from journal import clock, figures, pagecache, rules, selectors, share
from journal.clock import today_for

COLUMNS = 20
MAX_ROWS = 20  # 400 cells: longer grids (a long-abandoned round) are cut
CELL = 12
GAP = 3
PAD = 8
HEADER = 24
WIDTH = 2 * PAD + COLUMNS * (CELL + GAP) - GAP  # 313
FONT = "Verdana,Geneva,DejaVu Sans,sans-serif"
# Fixed light colours: a README may be shown on a light or a dark page.
FILL = {
    rules.LOGGED: ("#1a7f37", "#1a7f37"),
    rules.MISSED: ("#ffebe9", "#d1242f"),
    rules.TODAY: ("#ffffff", "#0b5fad"),
    rules.FUTURE: ("#eaeef2", "#d0d7de"),
    rules.ENDED: ("#ffffff", "#d0d7de"),
}
# A round that is over looks it: grey days when it broke or finished short, a green frame when completed.
OVER_FILL = {rules.LOGGED: ("#8c959f", "#8c959f")}
STATUS_COLOUR = {
    rules.ACTIVE: "#1f2328",
    rules.COMPLETED: "#1a7f37",
    rules.BROKEN: "#b42318",
    rules.FINISHED: "#57606a",
}
FRAME = {rules.COMPLETED: ("#1a7f37", 2), rules.BROKEN: ("#b42318", 2)}


def render_svg(round, summary) -> str:
    cells = summary.cells[: COLUMNS * MAX_ROWS]
    rows = max(1, -(-len(cells) // COLUMNS))
    height = PAD + HEADER + rows * (CELL + GAP) - GAP + PAD
    count = figures.short(summary)
    # About 7.6 px a character of bold 12 px text, 9 px of bold 14 px: the title never runs into the count.
    title = share.truncated(round.title, int((WIDTH - 2 * PAD - 9 * len(count) - 10) / 7.6))
    if summary.is_over:
        label = _("%(title)s: %(figures)s (#100DaysOfCode)") % {
            "title": round.title,
            "figures": figures.line(summary),
        }
    else:
        label = _("%(title)s: %(logged)s of %(target)s days logged, %(missed)s missed (#100DaysOfCode)") % {
            "title": round.title,
            "logged": summary.logged,
            "target": round.target,
            "missed": summary.missed,
        }
    frame, frame_width = FRAME.get(summary.status, ("#d0d7de", 1))
    fills = {**FILL, **OVER_FILL} if summary.status in (rules.BROKEN, rules.FINISHED) else FILL
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="t">',
        f'<title id="t">{textsafety.xml_text(label)}</title>',
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="6" fill="#ffffff" '
        f'stroke="{frame}" stroke-width="{frame_width}"/>',
        f'<g font-family="{FONT}" font-size="12" fill="#1f2328">',
        f'<text x="{PAD}" y="{PAD + 13}" font-weight="bold">{textsafety.xml_text(title)}</text>',
        f'<text x="{WIDTH - PAD}" y="{PAD + 13}" text-anchor="end" font-weight="bold" font-size="14" '
        f'fill="{STATUS_COLOUR[summary.status]}">{textsafety.xml_text(count)}</text>',
        "</g>",
    ]
    broken_on = summary.broken_on
    parts += [
        _cell(
            i,
            fills[cell.state],
            cell.state == rules.MISSED,
            cell.state == rules.MISSED and cell.date == broken_on,
        )
        for i, cell in enumerate(cells)
    ]
    parts.append("</svg>")
    return "\n".join(parts)


@lru_cache(maxsize=4096)
def _cell(i: int, colours: tuple[str, str], missed: bool, broke: bool) -> str:
    """The square of the ``i``-th day (and its cross when missed): a few thousand strings in all,
    made once per process instead of once a day of every badge built."""
    x = PAD + (i % COLUMNS) * (CELL + GAP)
    y = PAD + HEADER + (i // COLUMNS) * (CELL + GAP)
    fill, stroke = colours
    if broke:
        fill = stroke  # the day it broke: a solid red cell
    rect = f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{fill}" stroke="{stroke}"/>'
    if not missed:
        return rect
    # A cross, so a missed day does not depend on colour alone.
    cross = "#ffffff" if broke else stroke
    return f'{rect}\n<path d="M{x + 3} {y + 3}l6 6m0-6l-6 6" stroke="{cross}" stroke-width="1.5"/>'


@require_safe
@pagecache.kept("badge", scopes=pagecache.participant_in_url, per_viewer=False, public=True)
def badge(request, handle, number):
    """Kept in the page cache; building it costs one statement (the round, its owner and its dates)."""
    round, dates = selectors.shared_round(handle, number)
    user = round.user
    today = today_for(user)
    summary = selectors.round_summary(round, today, with_grid=True, dates=dates)
    with override(user.language or settings.LANGUAGE_CODE):
        svg = render_svg(round, summary)
    # Missed days change with the date, not only with writes.
    validators = share.Validators(
        etag=share.make_etag("badge", round.pk, round.version, today, user.language),
        last_modified=max(round.updated_at, clock.day_started_at(user, today)),
        expires=clock.day_ends_at(user, today),
    )
    return validators.apply(HttpResponse(svg, content_type="image/svg+xml"))
