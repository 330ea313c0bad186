"""The members' table body, built in Python: 300 rows through the template engine cost seconds.

Every piece of user text (name, handle) goes through ``format_html``; the rest are numbers,
ISO dates and fixed class names. Strings are translated once per page, not once per row.
"""

from functools import lru_cache

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

CELLS = {
    state: mark_safe(f'<i class="c {state or "out"}"></i>')
    for state in ("logged", "missed", "today", "future", "")
}


def rows_html(rows, *, labels, viewer_pk, organizer, remove_base):
    """``<tr>`` of every row; ``remove_base`` + handle + "remove/" is a member's remove URL."""
    words = {
        "you": _("you"),
        "organizer": _("organizer"),
        "logged": _("logged"),
        "not_yet": _("not yet"),
        "remove": _("Remove"),
    }
    short_date = lru_cache(maxsize=None)(lambda d: date_format(d, "M j"))
    return format_html_join(
        "\n", "{}", ((_row(r, words, labels, viewer_pk, organizer, remove_base, short_date),) for r in rows)
    )


def _row(r, words, labels, viewer_pk, organizer, remove_base, short_date):
    me = r.user.pk == viewer_pk
    s = r.summary
    who = format_html(
        '{}{} <span class="who muted small">@{}{}</span>',
        r.user.name,
        format_html(' <span class="small">({})</span>', words["you"]) if me else "",
        r.user.handle,
        f" · {words['organizer']}" if r.membership.role == "organizer" else "",
    )
    last = (
        format_html('<time datetime="{}">{}</time>', r.last_logged.isoformat(), short_date(r.last_logged))
        if r.last_logged
        else "–"
    )
    today = (
        format_html('<span class="yes">✓ {}</span>', words["logged"])
        if r.logged_today
        else format_html('<span class="no">{}</span>', words["not_yet"])
    )
    heatmap = mark_safe("".join(CELLS[c.state] for c in r.cells))
    action = ""
    if organizer:
        button = ""  # in the name's cell: one column less to scroll past on a phone
        if r.membership.role == "member":
            button = format_html(
                ' <button type="submit" class="link small remove" formaction="{}{}/remove/" aria-label="{}">{}</button>',
                remove_base,
                r.user.handle,
                _("Remove %(name)s") % {"name": r.user.name},
                words["remove"],
            )
        action = button
    return format_html(
        '<tr class="{}st-{}"{}><th scope="row">{}{}</th><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td>{}</td><td><span class="status st-{}">{}</span></td>'
        '<td class="today">{}</td><td class="hm" aria-label="{}"><span aria-hidden="true">{}</span></td></tr>',
        "me " if me else "",
        r.status,
        mark_safe(' aria-current="true"') if me else "",
        who,
        action,
        "–" if r.status == "upcoming" or s.day is None else s.day,
        s.logged,
        s.current_streak,
        s.missed,
        last,
        r.status,
        labels[r.status],
        today,
        _("%(n)s days logged") % {"n": s.logged},
        heatmap,
    )
