"""The members' table body, built in Python: 300 rows through the template engine cost seconds.

Every piece of user text (name, handle) is escaped with the standard library's
``html.escape`` (what Django's ``escape`` calls, without its lazy-string check on every
call: ``format_html`` took two thirds of the page's CPU with 300 members); the rest are
numbers, ISO dates, fixed class names and translated strings, which are escaped too.
Strings are translated once per page, not once per row.
"""

from functools import lru_cache
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

CELLS = {
    state: f'<i class="c {state or "out"}"></i>' for state in ("logged", "missed", "today", "future", "")
}


def rows_html(rows, *, labels, viewer_pk, organizer, remove_base):
    """``<tr>`` of every row; ``remove_base`` + handle + "remove/" is a member's remove URL."""
    words = {
        "you": escape(_("you")),
        "organizer": escape(_("organizer")),
        "logged": escape(_("logged")),
        "not_yet": escape(_("not yet")),
        "remove": escape(_("Remove")),
        # Formats, filled in for each row.
        "remove_name": _("Remove %(name)s"),
        "days_logged": _("%(n)s days logged"),
    }
    labels = {status: escape(str(label)) for status, label in labels.items()}
    short_date = lru_cache(maxsize=None)(lambda d: escape(date_format(d, "M j")))
    remove_base = escape(remove_base)
    body = "\n".join(_row(r, words, labels, viewer_pk, organizer, remove_base, short_date) for r in rows)
    return mark_safe(body)  # every piece above is escaped, a number or a fixed string


def _row(r, words, labels, viewer_pk, organizer, remove_base, short_date) -> str:
    me = r.user.pk == viewer_pk
    s = r.summary
    name, handle = escape(r.user.name), escape(r.user.handle)
    you = f' <span class="small">({words["you"]})</span>' if me else ""
    role = f" · {words['organizer']}" if r.membership.role == "organizer" else ""
    who = f'{name}{you} <span class="who muted small">@{handle}{role}</span>'
    last = (
        f'<time datetime="{r.last_logged.isoformat()}">{short_date(r.last_logged)}</time>'
        if r.last_logged
        else "–"
    )
    today = (
        f'<span class="yes">✓ {words["logged"]}</span>'
        if r.logged_today
        else f'<span class="no">{words["not_yet"]}</span>'
    )
    heatmap = "".join(CELLS[c.state] for c in r.cells)
    action = ""
    if organizer and r.membership.role == "member":
        # In the name's cell: one column less to scroll past on a phone.
        label = escape(words["remove_name"] % {"name": r.user.name})
        action = (
            f' <button type="submit" class="link small remove" formaction="{remove_base}{handle}/remove/"'
            f' aria-label="{label}">{words["remove"]}</button>'
        )
    status = escape(r.status)
    day = "–" if r.status == "upcoming" or s.day is None else int(s.day)
    days_logged = escape(words["days_logged"] % {"n": s.logged})
    current = ' aria-current="true"' if me else ""
    return (
        f'<tr class="{"me " if me else ""}st-{status}"{current}>'
        f'<th scope="row">{who}{action}</th><td class="num">{day}</td><td class="num">{int(s.logged)}</td>'
        f'<td class="num">{int(s.current_streak)}</td><td class="num">{int(s.missed)}</td><td>{last}</td>'
        f'<td><span class="status st-{status}">{labels[r.status]}</span></td>'
        f'<td class="today">{today}</td><td class="hm" aria-label="{days_logged}">'
        f'<span aria-hidden="true">{heatmap}</span></td></tr>'
    )
