"""The HTML of the parts that repeat on every public page: entry cards, a round's days, the
SEO tags of the head and the share box of a day.

Written in Python, not as template includes: a 100-entry journal rendered through includes
cost tens of milliseconds of template work, most of the page's build, and on a permalink
built for one visitor the includes were a third of its rendering. The markup is the one the
templates wrote. Every value a participant typed (titles, tags, link URLs and
labels, names) is escaped here as Django's autoescape does (``html.escape``); translated
strings and the stored HTML of entries (rendered and sanitized when saved) are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from journal import figures, rules

_PLACEHOLDER = date(2000, 1, 1)


@dataclass(slots=True)
class Card:
    """What an entry card shows: a light entry (see ``selectors.journal_entries``)."""

    pk: int
    date: date
    day: int
    title: str
    minutes: int | None
    progress_html: str
    thoughts_html: str
    tags: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, label)


@lru_cache(maxsize=8)
def _words(language) -> dict:
    """The fixed words of cards and grids in ``language``: translated once, not once a card."""
    return {
        "day_of": _("Day %(day)s of %(target)s"),
        "thoughts": _("Thoughts"),
        "links": _("Links to work"),
        "tags": _("Tags"),
        "day_logged": _("Day %(day)s, %(date)s: logged"),
        "broke": _("%(date)s: missed, the second day in a row: the round broke here"),
        "missed": _("%(date)s: missed"),
        "ended": _("%(date)s: after the break, not counted"),
        "today": _("Today: not logged yet"),
        "upcoming": _("%(date)s: upcoming"),
    }


@lru_cache(maxsize=4096)
def _minutes(language, minutes) -> str:
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


@lru_cache(maxsize=4096)
def _long_date(language, d) -> str:
    """``d`` as the ``date:"DATE_FORMAT"`` filter writes it, escaped; kept per language."""
    return escape(figures.date_format(d))


def entry_urls(handle, number):
    """The permalink of any day of a round, without one ``reverse`` a day: (prefix, suffix)."""
    url = escape(reverse("journal:entry", kwargs={"handle": handle, "number": number, "date": _PLACEHOLDER}))
    prefix, suffix = url.rsplit(_PLACEHOLDER.isoformat(), 1)
    return prefix, suffix


def entry_card(card, *, url, target, level=3, author=None, brief=False, language=None) -> str:
    """One ``<article class="entry">`` (no trailing newline). ``author``: (url, name, round
    number) to show who wrote it; ``brief`` leaves out the thoughts and the links."""
    language = language or get_language()
    words = _words(language)
    iso = card.date.isoformat()
    sub = level + 1
    title = f": {escape(card.title)}" if card.title else ""
    heading = words["day_of"] % {"day": card.day, "target": target}
    by = ""
    if author is not None:
        by = f' · <a href="{escape(author[0])}">{escape(author[1])}</a> · R{author[2]}'
    minutes = f" · {_minutes(language, card.minutes)}" if card.minutes else ""
    thoughts = links = tags = ""
    if card.thoughts_html and not brief:
        thoughts = f'<h{sub}>{words["thoughts"]}</h{sub}><div class="body">{card.thoughts_html}</div>'
    if card.links and not brief:
        items = "".join(
            f'<li><a href="{escape(u)}" rel="nofollow noopener ugc">{escape(label or u)}</a></li>'
            for u, label in card.links
        )
        links = f'\n    <h{sub}>{words["links"]}</h{sub}>\n    <ol class="links">{items}</ol>\n  '
    if card.tags:
        items = "".join(f"<li>#{escape(name)}</li>" for name in card.tags)
        tags = f'<ul class="tags" aria-label="{words["tags"]}">{items}</ul>'
    return mark_safe(
        f'<article class="entry" id="{f"e{card.pk}" if author is not None else f"d{iso}"}">\n'
        f'  <h{level}><a href="{url}">{heading}</a>{title}</h{level}>\n'
        f'  <p class="meta"><time datetime="{iso}">{_long_date(language, card.date)}</time>{by}{minutes}</p>\n'
        f'  <div class="body">{card.progress_html}</div>\n'
        f"  \n  {thoughts}\n  {links}\n  \n  {tags}\n</article>"
    )


def journal_log(cards, round) -> str:
    """The entry cards of a round's journal page (level 3), as its log section lays them out."""
    language = get_language()
    prefix, suffix = entry_urls(round.user.handle, round.number)
    target = round.target
    return mark_safe(
        "".join(
            "\n    "
            + entry_card(
                card, url=f"{prefix}{card.date.isoformat()}{suffix}", target=target, language=language
            )
            + "\n\n  "
            for card in cards
        )
    )


def profile_latest(rows, rounds) -> str:
    """The latest entries of a profile (no tags, links or thoughts). ``rows``: (round id, date,
    day, title, minutes, progress HTML), newest first; ``rounds``: the rounds by id."""
    language = get_language()
    words = _words(language)
    urls = {}
    out = []
    for round_id, d, day, title, minutes, progress_html in rows:
        round = rounds[round_id]
        if round_id not in urls:
            urls[round_id] = entry_urls(round.user.handle, round.number)
        prefix, suffix = urls[round_id]
        iso = d.isoformat()
        heading = words["day_of"] % {"day": day, "target": round.target}
        title = f": {escape(title)}" if title else ""
        minutes = f" · {_minutes(language, minutes)}" if minutes else ""
        out.append(
            f'\n    <article class="entry">\n      <h3><a href="{prefix}{iso}{suffix}">{heading}</a>{title}</h3>\n'
            f'      <p class="meta"><time datetime="{iso}">{_long_date(language, d)}</time> · R{round.number}{minutes}</p>\n'
            f'      <div class="body">{progress_html}</div>\n    </article>\n  '
        )
    return mark_safe("".join(out))


def card_of(entry, *, brief=False, tags=None, links=None) -> Card:
    """A model ``Entry`` as a card: ``tags`` (names) and ``links`` ((url, label) pairs) when the
    caller read them, else the entry's prefetched ones (links are not read when brief)."""
    if tags is None:
        tags = [tag.name for tag in entry.tags.all()]
    if links is None:
        links = [] if brief else [(link.url, link.label) for link in entry.links.all()]
    return Card(
        entry.pk,
        entry.date,
        entry.day,
        entry.title,
        entry.minutes,
        entry.progress_html,
        entry.thoughts_html,
        tags,
        links,
    )


def grid_cells(round, summary) -> str:
    """The ``<li>`` of each day of ``summary.cells``, laid out as the grid include writes them."""
    language = get_language()
    words = _words(language)
    prefix, suffix = entry_urls(round.user.handle, round.number)
    broken_on = summary.broken_on
    out = ["\n  "]
    for cell in summary.cells:
        state = cell.state
        if state == rules.LOGGED:
            iso = cell.date.isoformat()
            text = words["day_logged"] % {
                "day": cell.day,
                "date": _long_date(language, cell.date),
            }
            li = (
                f'<li class="logged"><a href="{prefix}{iso}{suffix}" title="{text}"><span aria-hidden="true">'
                f'{cell.day}</span><span class="visually-hidden">{text}</span></a></li>'
            )
        elif state == rules.MISSED and cell.date == broken_on:
            text = words["broke"] % {"date": _long_date(language, cell.date)}
            li = (
                f'<li class="missed break" title="{text}"><span aria-hidden="true">!</span>'
                f'<span class="visually-hidden">{text}</span></li>'
            )
        elif state == rules.MISSED:
            text = words["missed"] % {"date": _long_date(language, cell.date)}
            li = (
                f'<li class="missed" title="{text}"><span aria-hidden="true">×</span>'
                f'<span class="visually-hidden">{text}</span></li>'
            )
        elif state == rules.ENDED:
            text = words["ended"] % {"date": _long_date(language, cell.date)}
            li = f'<li class="ended" title="{text}"><span class="visually-hidden">{text}</span></li>'
        elif state == rules.TODAY:
            text = words["today"]
            li = (
                f'<li class="today" title="{text}"><span aria-hidden="true">{cell.day or "·"}</span>'
                f'<span class="visually-hidden">{text}</span></li>'
            )
        else:
            text = words["upcoming"] % {"date": _long_date(language, cell.date)}
            li = (
                f'<li class="future"><span aria-hidden="true">{cell.day or ""}</span>'
                f'<span class="visually-hidden">{text}</span></li>'
            )
        out.append(f"\n    \n      {li}\n    \n  ")
    return mark_safe("".join(out))


def seo_tags(seo) -> str:
    """The canonical URL, robots, Open Graph and Twitter card of a public page, from
    ``share.page_meta``: every value escaped."""
    e = {key: escape(str(value)) for key, value in seo.items()}
    lines = [f'<link rel="canonical" href="{e["url"]}">']
    if seo["noindex"]:
        lines.append('<meta name="robots" content="noindex">')
    lines += [
        f'<meta property="og:{key}" content="{e[name]}">'
        for key, name in (("title", "title"), ("description", "description"), ("url", "url"))
    ]
    lines += [
        f'<meta property="og:type" content="{e["type"]}">',
        f'<meta property="og:site_name" content="{e["site_name"]}">',
    ]
    if seo["image"]:
        lines += [
            f'<meta property="og:image" content="{e["image"]}">',
            '<meta property="og:image:type" content="image/png">',
            '<meta property="og:image:width" content="1200">',
            '<meta property="og:image:height" content="630">',
            f'<meta property="og:image:alt" content="{e["image_alt"]}">',
            '<meta name="twitter:card" content="summary_large_image">',
            f'<meta name="twitter:image" content="{e["image"]}">',
            f'<meta name="twitter:image:alt" content="{e["image_alt"]}">',
        ]
    else:
        lines.append('<meta name="twitter:card" content="summary">')
    if seo["feed"]:
        lines.append(
            f'<link rel="alternate" type="application/atom+xml" title="{e["title"]}" href="{e["feed"]}">'
        )
    return mark_safe("\n".join(lines))


def share_box(links) -> str:
    """The "Share this day" section of a permalink (``share.share_links``), or nothing."""
    if not links:
        return ""
    items = "".join(
        f'<li><a class="button secondary" href="{escape(link.url)}" rel="noopener noreferrer">'
        f"{_('Share on %(name)s') % {'name': escape(link.name)}}</a></li>"
        for link in links
    )
    return mark_safe(
        '<section class="share-box" aria-labelledby="share-title">\n'
        f'  <h2 id="share-title">{escape(_("Share this day"))}</h2>\n'
        f'  <ul class="share">\n    {items}\n  </ul>\n</section>'
    )


def permalink_body(entry, round, summary, *, urls, share_links, is_owner) -> str:
    """The content of a day's permalink: where it belongs (owner, round, figures), its card,
    the days before and after, the share box and, for the owner, edit and delete.
    ``urls``: the owner's, the round's and the entry's, and the previous, next, edit and
    delete ones (empty when there is none)."""
    visibility = ""
    if round.visibility in ("private", "unlisted"):
        word = _("private") if round.visibility == "private" else _("unlisted")
        visibility = f' · <strong class="visibility">{escape(word)}</strong>'
    lines = [
        f'<p class="muted small"><a href="{escape(urls["owner"])}">{escape(round.user.name)}</a> / '
        f'<a href="{escape(urls["round"])}">{escape(round.title)}</a> · '
        f'<span class="round-figures is-{summary.status}">{escape(figures.headline(summary))}</span>'
        f"{visibility}</p>",
        # Safe already (entry_card escapes what it is given): conditional_escape leaves it as it is.
        conditional_escape(
            entry_card(
                entry.card,
                url=escape(urls["entry"]),
                target=round.target,
                level=1,
                author=(urls["owner"], round.user.name, round.number),
            )
        ),
    ]
    if urls["previous"] or urls["next"]:
        nav = [f'  <nav class="pagination" aria-label="{escape(_("Other days"))}">']
        if urls["previous"]:
            words = escape(_("Previous: day %(day)s") % {"day": entry.previous_day})
            nav.append(
                f'    <a rel="prev" href="{escape(urls["previous"])}"><span aria-hidden="true">←</span> {words}</a>'
            )
        if urls["next"]:
            words = escape(_("Next: day %(day)s") % {"day": entry.next_day})
            nav.append(
                f'    <a rel="next" href="{escape(urls["next"])}">{words} <span aria-hidden="true">→</span></a>'
            )
        lines += [*nav, "  </nav>"]
    lines.append(share_box(share_links))
    if is_owner:
        lines.append(
            f'  <p class="actions"><a class="button secondary" href="{escape(urls["edit"])}">{escape(_("Edit"))}</a> '
            f'<a href="{escape(urls["delete"])}">{escape(_("Delete"))}</a></p>'
        )
    return mark_safe("\n".join(line for line in lines if line))
