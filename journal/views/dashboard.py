from django.shortcuts import render
from django.views.decorators.http import require_GET

from journal import selectors
from journal.forms import EntryForm
from journal.services import today_for


@require_GET
def home(request):
    if not request.user.is_authenticated:
        # 3 queries: latest public entries (+round+user), their tags, their links.
        entries = list(selectors.latest_public_entries(limit=6))
        return render(request, "journal/home.html", {"entries": entries})
    return dashboard(request)


def dashboard(request):
    # Queries: session, user, latest round, its dates, latest 5 entries (+tags, +links).
    user = request.user
    today = today_for(user)
    round = selectors.active_round(user)
    context = {"today": today, "round": round}
    if round is not None:
        entries_qs = round.entries.all()
        dates = list(entries_qs.values_list("date", flat=True))
        summary = selectors.round_summary(round, today, with_grid=True, dates=dates)
        latest = list(selectors.entries_for_display(entries_qs.order_by("-date"))[:5])
        for entry in latest:
            entry.round = round
        form = None
        if not summary.logged_today and summary.status != "completed" and today >= round.start_date:
            form = EntryForm(initial={"date": today}, round=round, today=today)
        context.update(summary=summary, latest=latest, form=form)
    return render(request, "journal/dashboard.html", context)
