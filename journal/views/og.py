"""Open Graph images of a round and of an entry (journal.og_image), for link previews.

Like the badge, they are fetched without cookies (by the sites a link is shared on), so a
private round has none, not even for its owner. Cached per round version, day and language.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from journal import figures, og_image, selectors, share
from journal.clock import today_for
from journal.models import Entry, Round

MAX_AGE = 3600


def _round(handle, number):
    return get_object_or_404(
        Round.objects.exclude(visibility=Round.Visibility.PRIVATE).select_related("user"),
        user__handle=handle,
        user__is_active=True,
        number=number,
    )


def _png(request, key_parts, draw):
    etag = share.make_etag("og", *key_parts)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    key = "og:" + etag.strip('"')
    try:
        body = cache.get(key)
    except Exception:  # a cache that errs is a miss
        body = None
    if body is None:
        body = draw()
        try:
            cache.set(key, body, MAX_AGE * 24)
        except Exception:  # noqa: S110 - drawing again next time is the fallback
            pass
    response = HttpResponse(body, content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@require_safe
def round_image(request, handle, number):
    """Queries: the round and its owner, its dates (on a miss of the browser's copy too)."""
    round = _round(handle, number)
    today = today_for(round.user)
    dates = list(Entry.objects.filter(round=round).values_list("date", flat=True))
    summary = selectors.round_summary(round, today, dates=dates)
    lang = get_language()

    def draw():
        return og_image.render(
            # "Day 42 of 100" while the round runs; "Broke at 3/100" and the like once it is over.
            headline=figures.headline(summary) if summary.day else capfirst(figures.short(summary)),
            title=og_image.round_title(round),
            byline=f"{round.user.name} · @{round.user.handle}",
            day=summary.day or summary.counted,
            target=round.target,
            site=settings.SITE_NAME,
        )

    return _png(request, ("round", round.pk, round.version, today, lang), draw)


@require_safe
def entry_image(request, handle, number, date):
    """Queries: the round and its owner, the entry."""
    round = _round(handle, number)
    entry = get_object_or_404(Entry.objects.only("day", "title", "progress", "date"), round=round, date=date)
    lang = get_language()

    def draw():
        # The title, else the start of the text as written (Markdown marks and all: short and plain enough).
        title = " ".join((entry.title or entry.progress).split())[:200]
        return og_image.render(
            headline=_("Day %(day)s of %(target)s") % {"day": entry.day, "target": round.target},
            title=title,
            byline=f"{round.user.name} · {og_image.round_title(round)}",
            day=entry.day,
            target=round.target,
            site=settings.SITE_NAME,
        )

    return _png(request, ("entry", round.pk, round.version, date, lang), draw)
