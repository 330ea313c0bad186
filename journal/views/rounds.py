from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from journal import selectors, services
from journal.clock import today_for
from journal.forms import RoundForm
from journal.models import Entry, Round
from journal.services import RuleError


@login_required
@require_safe
def round_list(request):
    # Queries: session, user, rounds, dates of all their entries.
    rounds = list(Round.objects.for_user(request.user).select_related("user").order_by("-number"))
    today = today_for(request.user)
    dates = {}
    for round_id, d in Entry.objects.filter(round__in=rounds).values_list("round_id", "date"):
        dates.setdefault(round_id, []).append(d)
    for round in rounds:
        round.summary = selectors.round_summary(round, today, dates=dates.get(round.pk, []))
    return render(request, "journal/round_list.html", {"rounds": rounds})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_new(request):
    today = today_for(request.user)
    number = services.next_round_number(request.user)
    form = RoundForm(
        request.POST or None,
        initial={"start_date": today, "target": 100, "rule": "official", "visibility": "private"},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            round = services.start_round(request.user, **data)
        except RuleError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Round %(n)s starts. Log your first day!") % {"n": round.number})
            return redirect("journal:home")
    return render(request, "journal/round_form.html", {"form": form, "number": number, "new": True})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_settings(request, number):
    round = selectors.own_round(request.user, number)
    form = RoundForm(request.POST or None, instance=round)
    if request.method == "POST" and form.is_valid():
        try:
            round = services.update_round(Round.objects.get(pk=round.pk), **form.cleaned_data)
        except RuleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Round settings are saved."))
            return redirect(round.get_absolute_url())
    return render(request, "journal/round_form.html", {"form": form, "round": round, "number": round.number})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_delete(request, number):
    round = selectors.own_round(request.user, number)
    if request.method == "POST":
        services.delete_round(round)
        messages.success(request, _("Round %(n)s and its entries are deleted.") % {"n": number})
        return redirect("journal:rounds")
    return render(
        request, "journal/round_confirm_delete.html", {"round": round, "count": round.entries.count()}
    )
