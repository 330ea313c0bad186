from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from journal import markdown, selectors, services
from journal.clock import today_for
from journal.forms import EntryForm
from journal.models import Round
from journal.services import RuleError


def _wants_preview(request):
    return request.method == "POST" and "preview" in request.POST


def _preview(request, template_context):
    """The entry as it would be saved, without saving: the same renderer as the saved entry.

    The "Preview" button (no JavaScript) gets the whole form page back with the preview above
    it; entry.js asks with ``X-Preview: fragment`` and gets the preview alone to swap in.
    """
    preview = {
        "progress_html": markdown.render(request.POST.get("progress", "")),
        "thoughts_html": markdown.render(request.POST.get("thoughts", "")),
    }
    if request.headers.get("X-Preview") == "fragment":
        return render(request, "journal/includes/preview.html", {"preview": preview})
    return render(request, "journal/entry_form.html", {**template_context, "preview": preview})


def _apply_rule_error(form, error, round=None):
    message = error.message
    if error.code == "duplicate" and round is not None and form.cleaned_data.get("date"):
        # The entry that already holds the date, one click away.
        url = reverse(
            "journal:entry-edit", kwargs={"number": round.number, "date": form.cleaned_data["date"]}
        )
        message = format_html('{} <a href="{}">{}</a>', message, url, _("Edit the entry of that day"))
    form.add_error(error.field if error.field in form.fields else None, message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_new(request):
    """Log a day in one of my rounds (``?round=N``, else the latest), today by default."""
    number = request.POST.get("round") or request.GET.get("round")
    rounds = Round.objects.for_user(request.user).select_related("user")
    round = (
        rounds.filter(number=number).first()
        if number and str(number).isdigit()
        else rounds.order_by(*selectors.CURRENT_ROUND_ORDER).first()
    )
    if round is None:
        if number:
            raise Http404
        messages.info(request, _("Start a round first."))
        return redirect("journal:round-new")
    today = today_for(request.user)
    initial = {"date": request.GET.get("date") or today}
    form = EntryForm(request.POST or None, initial=initial, round=round, today=today)
    if _wants_preview(request):
        return _preview(request, {"form": form, "round": round, "today": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.create_entry(round, today=today, **data)
        except RuleError as error:
            _apply_rule_error(form, error, round)
        else:
            messages.success(request, _("Day %(day)s is logged. Keep going!") % {"day": entry.day})
            return redirect(entry.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "journal/entry_form.html", {"form": form, "round": round, "today": today}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_edit(request, number, date):
    entry = selectors.own_entry(request.user, number, date)
    today = today_for(request.user)
    if _wants_preview(request):
        form = EntryForm(request.POST, round=entry.round, today=today, entry=entry)
        return _preview(request, {"form": form, "round": entry.round, "entry": entry, "today": today})
    if request.method == "POST":
        form = EntryForm(request.POST, round=entry.round, today=today, entry=entry)
        if form.is_valid():
            try:
                entry = services.update_entry(entry, today=today, **form.cleaned_data)
            except RuleError as error:
                _apply_rule_error(form, error, entry.round)
            else:
                messages.success(request, _("Your entry is saved."))
                return redirect(entry.get_absolute_url())
        status = 400
    else:
        form = EntryForm(initial=EntryForm.initial_for(entry), round=entry.round, today=today, entry=entry)
        status = 200
    return render(
        request,
        "journal/entry_form.html",
        {"form": form, "round": entry.round, "entry": entry, "today": today},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_delete(request, number, date):
    entry = selectors.own_entry(request.user, number, date)
    if request.method == "POST":
        round = entry.round
        services.delete_entry(entry)
        messages.success(request, _("The entry is deleted; the days after it are renumbered."))
        return redirect(round.get_absolute_url())
    return render(request, "journal/entry_confirm_delete.html", {"entry": entry, "round": entry.round})
