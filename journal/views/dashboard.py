from django.views.decorators.http import require_safe

from journal import pagecache, selectors
from journal.forms import EntryForm
from journal.services import today_for


@require_safe
def home(request):
    if not request.user.is_authenticated:
        return visitor_home(request)
    return dashboard(request)


def visitor_home(request):
    """The challenge and the latest public entries.

    Kept in the page cache (scope: everyone's public entries). Building it costs the
    latest public entries (+round+user), their tags and their links.
    """

    def build():
        entries = list(selectors.latest_public_entries(limit=6))
        return pagecache.render_page(
            request, "journal/home.html", {"entries": entries}, expires_at=pagecache.in_an_hour()
        )

    return pagecache.serve(
        request, kind="home", scopes=[pagecache.PUBLIC], parts=(request.get_full_path(),), build=build
    )


def dashboard(request):
    """The signed-in participant's current round: summary, grid, latest entries, "Log today".

    Queries: session, user (both for signing in), then the page cache (one read).
    Building it (the first visit after a write, on a new day, or with a message to
    show) costs: the current round, its dates, latest 5 entries, their tags, their links.
    """
    user = request.user

    def build():
        today = today_for(user)
        round = selectors.active_round(user)
        context = {"today": today, "round": None} if round is None else _round_context(round, today)
        return pagecache.render_page(
            request, "journal/dashboard.html", context, expires_at=pagecache.next_midnight(user, today)
        )

    return pagecache.serve(
        request,
        kind="dashboard",
        scopes=[pagecache.user_scope(user.handle)],
        parts=(request.get_full_path(), *pagecache.viewer_parts(request)),
        build=build,
    )


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
