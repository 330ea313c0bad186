from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from journal import caching, selectors
from journal.forms import EntryForm
from journal.services import today_for


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return visitor_home(request)
    return dashboard(request)


def visitor_home(request):
    """The challenge and the latest public entries.

    Queries: the latest public entries (+round+user), then the cached page (one query
    with the database cache, none with Redis). A miss adds their tags and their links.
    """
    entries = list(selectors.latest_public_entries(limit=6).prefetch_related(None))
    key = caching.entries_key("home", entries, extra=(request.get_full_path(),))

    def context():
        prefetch_related_objects(entries, *selectors.ENTRY_LIST_PREFETCH)
        return {"entries": entries}

    return caching.render_cached(request, key, "journal/home.html", context)


def dashboard(request):
    """The signed-in participant's current round: summary, grid, latest entries, "Log today".

    Queries: session, user, current round, then the cached page (one query with
    the database cache, none with Redis). A miss (the first visit after a write to the
    round, on a new day, or with a message to show) adds: its dates, latest 5 entries,
    their tags, their links.
    """
    user = request.user
    today = today_for(user)
    round = selectors.active_round(user)
    if round is None:
        return render(request, "journal/dashboard.html", {"today": today, "round": None})
    key = caching.journal_fragment_key(
        round,
        get_language(),
        True,
        kind="dashboard",
        today=today,
        extra=(user.pk, user.email, request.get_full_path()),
    )
    return caching.render_cached(request, key, "journal/dashboard.html", lambda: _round_context(round, today))


def _round_context(round, today) -> dict:
    entries_qs = round.entries.all()
    dates = list(entries_qs.values_list("date", flat=True))
    summary = selectors.round_summary(round, today, with_grid=True, dates=dates)
    latest = list(selectors.entries_for_display(entries_qs.order_by("-date"))[:5])
    for entry in latest:
        entry.round = round
    form = None
    if not summary.logged_today and summary.status != "completed" and today >= round.start_date:
        form = EntryForm(initial={"date": today}, round=round, today=today)
    return {"today": today, "round": round, "summary": summary, "latest": latest, "form": form}
