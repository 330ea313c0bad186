"""Public pages: a participant's profile, a round's journal, one day's permalink, explore.

Public and unlisted rounds are open to anyone with the URL, private ones to their
owner only: everyone else gets a 404 (never a redirect to sign in). Only public
rounds are ever listed. Entry HTML was rendered when saved; nothing here renders
Markdown. Query counts are for an anonymous visitor; a signed-in one adds two
(session, user).
"""

import bisect

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from journal import cards, figures, heatmap, pagecache, rules, selectors, share
from journal.clock import today_for
from journal.models import Entry

EXPLORE_PAGE_SIZE = 20
PROFILE_LATEST = 10


def _visible_round(request, handle, number):
    """The round and its owner (one query), or 404 when the viewer may not open it."""
    round = selectors.visible_round(request.user, handle, number)
    if not round.user.is_active:
        raise Http404
    return round


def _is_owner(request, round):
    return request.user.is_authenticated and request.user.pk == round.user_id


def _page_number(value):
    return int(value) if value and value.isdigit() and int(value) >= 1 else 1


@require_safe
@pagecache.kept("explore", scopes=pagecache.public_entries, query=("page",))
def explore(request):
    """Latest entries of public rounds, newest first, 20 a page.

    Kept in the page cache (scope: everyone's public entries). Building it costs
    entries (+round+user), their tags, their links. One row more than a page tells
    whether there is a next page, so no COUNT(*) is needed.
    """
    number = _page_number(request.GET.get("page"))
    offset = (number - 1) * EXPLORE_PAGE_SIZE
    qs = (
        Entry.objects.public()
        .filter(round__user__is_active=True)
        .select_related("round", "round__user")
        .order_by("-created_at", "-id")
    )
    entries = list(selectors.entries_for_display(qs)[offset : offset + EXPLORE_PAGE_SIZE + 1])
    has_next = len(entries) > EXPLORE_PAGE_SIZE
    entries = entries[:EXPLORE_PAGE_SIZE]
    if number > 1 and not entries:
        raise Http404
    path = reverse("journal:explore") + (f"?page={number}" if number > 1 else "")
    seo = share.page_meta(
        title=_("Explore public #100DaysOfCode journals"),
        description=_("The latest days logged by everyone doing #100DaysOfCode on Hundred Days."),
        path=path,
    )
    context = {
        "entries": entries,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if has_next else None,
        "seo": seo,
    }
    return render(request, "journal/explore.html", context)


def _neighbour_days(round, entry):
    """The day numbers of the entries before and after ``entry`` (dates in its annotations)."""
    if round.rule == rules.CALENDAR:
        start = round.start_date
        return (
            rules.day_number(entry.previous_date, start, rules.CALENDAR) if entry.previous_date else None,
            rules.day_number(entry.next_date, start, rules.CALENDAR) if entry.next_date else None,
        )
    return entry.day - 1, entry.day + 1


def _round_page(request, round, today, template_name, context, *validator_parts):
    response = render(request, template_name, context)
    return share.round_validators(round, today, *validator_parts).apply(response)


@require_safe
@pagecache.kept("profile", scopes=pagecache.participant_in_url)
def profile(request, handle):
    """A participant's rounds (public ones; all of them for the owner) and latest public entries.

    Kept in the page cache. Building it costs 1. the participant with their rounds and
    the dates and minutes of those rounds' entries (for day, total, status and the heatmap),
    2. the latest entries of the public rounds (none without one).
    """
    is_owner = request.user.is_authenticated and request.user.handle == handle
    person, rounds = selectors.profile_rounds(handle, listed_only=not is_owner)
    today = today_for(person)
    days = []  # (date, minutes) of every round shown, for the year heatmap
    for round in rounds:
        days.extend(round.entry_days)
        round.summary = selectors.round_summary(round, today, dates=[d for d, _minutes in round.entry_days])

    public = {round.pk: round for round in rounds if round.is_public}
    latest = ""
    if public:
        latest = cards.profile_latest(
            selectors.latest_entry_rows(list(public.values()), PROFILE_LATEST), public
        )

    avatar = person.avatar_url if person.avatar_url.startswith(("https://", "http://")) else ""
    titles = ", ".join(round.title for round in public.values())
    seo = share.page_meta(
        title=_("%(name)s (@%(handle)s)") % {"name": person.name, "handle": person.handle},
        description=_("%(name)s's #100DaysOfCode journal on Hundred Days.") % {"name": person.name}
        + (f" {titles}" if titles else ""),
        path=person.get_absolute_url(),
        kind="profile",
        feed=reverse("journal:profile-feed", kwargs={"handle": person.handle}),
    )
    context = {
        "person": person,
        "avatar": avatar,
        "rounds": rounds,
        "latest": latest,
        "is_owner": is_owner,
        "seo": seo,
        "heatmap": heatmap.build(days, today),
    }
    return share.changes_at_day_end(render(request, "journal/profile.html", context), person, today)


@require_safe
@pagecache.kept("journal", scopes=pagecache.participant_in_url)
def round_journal(request, handle, number):
    """A round's log, oldest first, with its summary and grid.

    Kept in the page cache. Building it costs 1. the round and its owner, 2. the entries
    with their tags and links. The entry cards are written by ``journal.cards``.
    """
    round = _visible_round(request, handle, number)
    today = today_for(round.user)
    entries = selectors.journal_entries(round)
    summary = selectors.round_summary(round, today, with_grid=True, dates=[e.date for e in entries])
    kwargs = {"handle": round.user.handle, "number": round.number}
    shared = not round.is_private
    description = share.plain_text(round.description_html) or _(
        "%(name)s's #100DaysOfCode journal. %(figures)s"
    ) % {"name": round.user.name, "figures": figures.line(summary)}
    context = {
        "round": round,
        "log": cards.journal_log(entries, round),
        "summary": summary,
        "is_owner": _is_owner(request, round),
        "next_round": selectors.next_round_offer(round, summary),
        "feed_url": reverse("journal:round-feed", kwargs=kwargs) if shared else "",
        "badge_url": share.badge_url(round) if shared else "",
        "badge_markdown": share.badge_markdown(round) if shared else "",
        "seo": share.page_meta(
            title=f"{round.title} · {round.user.name}",
            description=description,
            path=round.get_absolute_url(),
            noindex=not round.is_public,
            feed=reverse("journal:round-feed", kwargs=kwargs) if shared else None,
            image=reverse("journal:round-og", kwargs=kwargs) if shared else None,
            image_alt=f"{round.title}: {figures.line(summary)}",
        ),
    }
    return _round_page(request, round, today, "journal/round_journal.html", context, "journal")


@require_safe
@pagecache.kept("entry", scopes=pagecache.participant_in_url)
def entry_detail(request, handle, number, date):
    """One day, with links to the days before and after it and share links.

    Kept in the page cache. Building it costs one statement: the entry with its tags and
    links, its round and owner, and the round's dates (its figures in the header and the
    days before and after this one).
    """
    entry, dates = selectors.permalink(request.user, handle, number, date)
    round = entry.round
    today = today_for(round.user)
    at = bisect.bisect_left(dates, entry.date)
    entry.previous_date = dates[at - 1] if at > 0 else None
    entry.next_date = dates[at + 1] if at + 1 < len(dates) else None
    entry.previous_day, entry.next_day = _neighbour_days(round, entry)
    summary = selectors.round_summary(round, today, dates=dates)
    kwargs = {"handle": round.user.handle, "number": round.number}
    title = _("Day %(day)s of %(target)s") % {"day": entry.day, "target": round.target}
    if entry.title:
        title = f"{title}: {entry.title}"
    # The previous and next days from one reverse() of this day's URL: days differ only in their date.
    entry_url = reverse("journal:entry", kwargs={**kwargs, "date": entry.date})
    prefix, suffix = entry_url.rsplit(entry.date.isoformat(), 1)
    is_owner = _is_owner(request, round)
    urls = {
        "owner": round.user.get_absolute_url(),
        "round": round.get_absolute_url(),
        "entry": entry_url,
        "previous": f"{prefix}{entry.previous_date.isoformat()}{suffix}" if entry.previous_date else "",
        "next": f"{prefix}{entry.next_date.isoformat()}{suffix}" if entry.next_date else "",
        "edit": reverse("journal:entry-edit", kwargs={"number": round.number, "date": entry.date})
        if is_owner
        else "",
        "delete": reverse("journal:entry-delete", kwargs={"number": round.number, "date": entry.date})
        if is_owner
        else "",
    }
    context = {
        "body": cards.permalink_body(
            entry,
            round,
            summary,
            urls=urls,
            share_links=share.share_links(entry, round, entry_url),
            is_owner=is_owner,
        ),
        "seo": share.page_meta(
            title=f"{title} · {round.user.name}",
            description=share.plain_text(entry.progress_html),
            path=entry_url,
            kind="article",
            noindex=not round.is_public,
            image=None
            if round.is_private
            else reverse("journal:entry-og", kwargs={**kwargs, "date": entry.date}),
            image_alt=title,
        ),
    }
    return _round_page(request, round, today, "journal/entry_detail.html", context, "entry", date)
