from django.shortcuts import render
from django.views.decorators.http import require_safe

from journal import pagecache, selectors, share
from journal.clock import today_for
from journal.forms import EntryForm


@require_safe
def home(request):
    if not request.user.is_authenticated:
        return visitor_home(request)
    return dashboard(request)


@pagecache.kept("home", scopes=pagecache.public_entries)
def visitor_home(request):
    """The challenge and the latest public entries.

    Kept in the page cache (scope: everyone's public entries). Building it costs the
    latest public entries (+round+user), their tags and their links.
    """
    entries = list(selectors.latest_public_entries(limit=6))
    return render(request, "journal/home.html", {"entries": entries})


@pagecache.kept("dashboard", scopes=pagecache.signed_in_participant)
def dashboard(request):
    """The signed-in participant's current round: summary, grid, latest entries, "Log today".

    Queries: session, user (both for signing in), then the page cache (one read).
    Building it (the first visit after a write, on a new day, or with a message to
    show) costs: the current round, its dates, latest 5 entries, their tags, their links.
    """
    user = request.user
    today = today_for(user)
    round = selectors.active_round(user)
    context = {"today": today, "round": None} if round is None else _round_context(round, today)
    return share.changes_at_day_end(render(request, "journal/dashboard.html", context), user, today)


def _round_context(round, today) -> dict:
    entries_qs = round.entries.all()
    dates = list(entries_qs.values_list("date", flat=True))
    summary = selectors.round_summary(round, today, with_grid=True, dates=dates)
    latest = list(selectors.entries_for_display(entries_qs.order_by("-date"))[:5])
    for entry in latest:
        entry.round = round
    form = None
    # A round that is over (broken, finished, completed) offers the next one instead.
    if not summary.logged_today and not summary.is_over and today >= round.start_date:
        form = EntryForm(initial={"date": today}, round=round, today=today)
    return {
        "today": today,
        "round": round,
        "summary": summary,
        "latest": latest,
        "form": form,
        "next_round": selectors.next_round_offer(round, summary),
    }
