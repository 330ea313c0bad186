from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from journal import selectors
from journal.models import Entry, Round


@require_GET
def explore(request):
    page = Paginator(
        selectors.entries_for_display(
            Entry.objects.public().select_related("round", "round__user").order_by("-created_at", "-id")
        ),
        20,
    ).get_page(request.GET.get("page"))
    return render(request, "journal/explore.html", {"page": page, "entries": page.object_list})


@require_GET
def profile(request, handle):
    person = get_object_or_404(get_user_model(), handle=handle, is_active=True)
    rounds = Round.objects.filter(user=person)
    if request.user != person:
        rounds = rounds.listed()
    return render(request, "journal/profile.html", {"person": person, "rounds": rounds.order_by("-number")})


@require_GET
def round_journal(request, handle, number):
    round = selectors.visible_round(request.user, handle, number)
    entries = list(selectors.entries_for_display(round.entries.order_by("date")))
    for entry in entries:
        entry.round = round
    summary = selectors.round_summary(round, dates=[e.date for e in entries], with_grid=True)
    return render(
        request, "journal/round_journal.html", {"round": round, "entries": entries, "summary": summary}
    )


@require_GET
def entry_detail(request, handle, number, date):
    round = selectors.visible_round(request.user, handle, number)
    entry = get_object_or_404(selectors.entries_for_display(round.entries), date=date)
    entry.round = round
    return render(request, "journal/entry_detail.html", {"round": round, "entry": entry})
