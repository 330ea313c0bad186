"""My data: import a log (upload → preview → confirm), export everything, delete the account."""

import base64
import datetime
import secrets
import time
import zlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from journal import exporting, importing, rules, services
from journal.clock import today_for
from journal.logs import LogError, parse_upload, write_json
from journal.logs.markdown_in import ORDER_NAMES, ORDERS, read_numeric
from journal.models import Entry, Round

# The pending import between preview and confirm lives in the session (server side, this
# user only): the file is not sent back and forth, and no one else can confirm it.
SESSION_KEY = "journal_import"
PREVIEW_MAX_AGE = 60 * 60


def _limit_mb():
    return settings.IMPORT_MAX_BYTES // (1024 * 1024)


def _too_large_message():
    return _("The file is too large: the limit is %(mb)s MB.") % {"mb": _limit_mb()}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Log file"),
        help_text=gettext_lazy("Markdown (.md) or a Hundred Days export (.json)."),
    )
    start = forms.DateField(
        label=gettext_lazy("Start date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=gettext_lazy("Only for a log whose days have no dates (“## Day 1” headings)."),
    )
    round = forms.TypedChoiceField(
        label=gettext_lazy("Import into"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("Each round of the file becomes a new round unless you choose one of yours."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = Round.objects.for_user(user).order_by("-number").only("number", "title")
        self.fields["round"].choices = [("", _("A new round"))] + [(r.number, str(r)) for r in rounds]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The size the upload handler counted; the content itself is not read yet.
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(_too_large_message(), code="too_large")
        return upload


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=gettext_lazy("Type your email address or the word DELETE"), max_length=254, strip=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["confirm"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_confirm(self):
        value = self.cleaned_data["confirm"]
        if value != "DELETE" and value.lower() != self.user.email.lower():
            raise ValidationError(
                _("That is neither your email address nor the word DELETE: nothing was deleted."),
                code="mismatch",
            )
        return value


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _render_upload(request, form, status=200, error=None):
    context = {"form": form, "limit_mb": _limit_mb(), "error": error}
    return render(request, "journal/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # CSRF is checked in _import_log, after the size check: its check reads the whole body
def import_log(request):
    if request.method == "POST" and _declared_length(request) > settings.IMPORT_REQUEST_MAX_BYTES:
        # Refused on the declared size alone, before anything reads the upload.
        return _render_upload(request, ImportForm(user=request.user), status=413, error=_too_large_message())
    return _import_log(request)


@csrf_protect
@never_cache
def _import_log(request):
    if request.method in ("GET", "HEAD"):
        return _render_upload(request, ImportForm(user=request.user))
    if request.POST.get("step") == "confirm":
        return _confirm(request)
    if request.POST.get("step") == "order":
        return _reorder(request)
    form = ImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        too_large = any(e.code == "too_large" for e in form.errors.as_data().get("file", []))
        return _render_upload(request, form, status=413 if too_large else 400)
    upload = form.cleaned_data["file"]
    raw = upload.read()
    start = form.cleaned_data["start"]
    number = form.cleaned_data["round"]
    try:
        log = parse_upload(raw, filename=upload.name or "", start=start)
    except LogError as error:
        form.add_error("file", _("This file cannot be imported: %(error)s") % {"error": error})
        return _render_upload(request, form, status=400)
    plan = importing.plan_import(request.user, log, round_number=number)
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "token": token,
        "user": request.user.pk,
        "created": time.time(),
        "filename": (upload.name or "")[:200],
        "raw": base64.b64encode(zlib.compress(raw)).decode("ascii"),
        "start": start.isoformat() if start else None,
        "round": number,
    }
    return _render_preview(request, plan, token, upload.name or "", raw=raw, start=start)


def _render_preview(request, plan, token, filename, error=None, status=200, raw=None, start=None):
    context = {
        "plan": plan,
        "token": token,
        "filename": filename,
        "error": error,
        "orders": _order_choices(plan.log, raw, filename, start),
    }
    return render(request, "journal/import_preview.html", context, status=status)


def _order_choices(log, raw, filename, start) -> list[dict]:
    """Both readings of numeric dates when both fit, each with what it makes of the file."""
    if raw is None or len(log.date_orders) < 2:
        return []
    choices = []
    for order in log.date_orders:
        read = log if order == log.date_order else parse_upload(raw, filename, start, date_order=order)
        dates = [e.date for r in read.rounds for e in r.entries]
        missed = sum(
            (r.entries[-1].date - r.entries[0].date).days + 1 - len(r.entries)
            for r in read.rounds
            if r.entries
        )
        choices.append(
            {
                "value": order,
                "name": _(ORDER_NAMES[order]),
                "chosen": order == log.date_order,
                "example": log.date_example,
                "read": read_numeric(log.date_example, order),
                "first": min(dates),
                "last": max(dates),
                "missed": missed,
            }
        )
    return choices


def _rule_choices(request, plan):
    """The counting rule chosen in the preview for each round that offers the choice
    (``rule-<index>``), or None when a posted value is not a rule."""
    choices = {}
    for i, rp in enumerate(plan.rounds):
        value = request.POST.get(f"rule-{i}")
        if value is None or not rp.offers_rule_choice:
            continue
        if value not in rules.RULES:
            return None
        choices[i] = value
    return choices


def _pending(request):
    """The import this user previewed, if the posted token is its token and it is fresh."""
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token") or ""
    if (
        not isinstance(pending, dict)
        or pending.get("user") != request.user.pk
        or not constant_time_compare(pending.get("token", ""), token)
        or time.time() - pending.get("created", 0) > PREVIEW_MAX_AGE
    ):
        return None
    return pending


def _reorder(request):
    """The preview again, with numeric dates read in the order the participant chose."""
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("This preview has expired or was replaced. Upload the file again."))
        return redirect("journal:import")
    order = request.POST.get("date_order")
    order = order if order in ORDERS else pending.get("date_order")
    raw = zlib.decompress(base64.b64decode(pending["raw"]))
    start = datetime.date.fromisoformat(pending["start"]) if pending["start"] else None
    try:
        log = parse_upload(raw, filename=pending["filename"], start=start, date_order=order)
    except LogError as error:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("This file cannot be imported: %(error)s") % {"error": error})
        return redirect("journal:import")
    # What the preview shows is what the confirmation imports.
    pending["date_order"] = log.date_order if log.date_orders else None
    request.session[SESSION_KEY] = pending
    plan = importing.plan_import(request.user, log, round_number=pending["round"])
    return _render_preview(request, plan, pending["token"], pending["filename"], raw=raw, start=start)


def _confirm(request):
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("This preview has expired or was replaced. Upload the file again."))
        return redirect("journal:import")
    raw = zlib.decompress(base64.b64decode(pending["raw"]))
    start = datetime.date.fromisoformat(pending["start"]) if pending["start"] else None
    try:
        log = parse_upload(
            raw, filename=pending["filename"], start=start, date_order=pending.get("date_order")
        )
        preview = importing.plan_import(request.user, log, round_number=pending["round"])
        choices = _rule_choices(request, preview)
        if choices is None:
            error = _("Choose how each round counts: as it is (official rule) or under the calendar rule.")
            return _render_preview(
                request,
                preview,
                pending["token"],
                pending["filename"],
                error=error,
                status=400,
                raw=raw,
                start=start,
            )
        result = importing.apply_import(
            request.user,
            log,
            round_number=pending["round"],
            replace=request.POST.get("replace") == "on",
            rule_choices=choices,
        )
    except LogError as error:  # the parser changed under a pending preview: start again
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("This file cannot be imported: %(error)s") % {"error": error})
        return redirect("journal:import")
    except importing.ImportRefused as refused:
        return _render_preview(
            request,
            refused.plan,
            pending["token"],
            pending["filename"],
            error=str(refused),
            status=409,
            raw=raw,
            start=start,
        )
    request.session.pop(SESSION_KEY, None)
    first = result.rounds[0]
    if result.changed:
        messages.success(
            request,
            _("Imported: %(created)s days added, %(replaced)s replaced, %(skipped)s already there.")
            % {"created": result.created, "replaced": result.replaced, "skipped": result.skipped},
        )
    else:
        messages.info(request, _("Nothing to import: every day of this file is already in your journal."))
    return redirect(reverse("journal:round", kwargs={"handle": request.user.handle, "number": first.number}))


@login_required
@require_safe
def my_data(request):
    # Queries: session, user, rounds (for the one-file downloads), entries count.
    rounds = list(Round.objects.for_user(request.user).order_by("number").only("number", "title", "user_id"))
    context = {
        "rounds": len(rounds),
        "round_list": rounds,
        "entries": Entry.objects.for_user(request.user).count(),
        "limit_mb": _limit_mb(),
    }
    return render(request, "journal/my_data.html", context)


@login_required
@require_safe
@never_cache
def export(request, fmt):
    user = request.user
    if fmt == "json":
        body = write_json(exporting.export_user(user))
        content_type = "application/json; charset=utf-8"
    elif fmt == "zip":
        lang = exporting.markdown_language(user, translation.get_language() or settings.LANGUAGE_CODE)
        body = exporting.export_zip(user, lang)
        content_type = "application/zip"
    else:
        raise Http404
    name = f"hundreddays-{user.handle}-{today_for(user).isoformat()}.{fmt}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@login_required
@require_safe
@never_cache
def export_round(request, number):
    """One round as a Markdown log, in the participant's language: ``hundreddays-<handle>-r<N>.md``."""
    user = request.user
    lang = exporting.markdown_language(user, translation.get_language() or settings.LANGUAGE_CODE)
    text = exporting.export_round_markdown(user, number, lang)
    if text is None:
        raise Http404
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    name = f"hundreddays-{user.handle}-r{number}.md"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.delete_account(request.user)
            logout(request)
            messages.success(
                request, _("Your account and all its data are deleted. Goodbye, and keep coding!")
            )
            return redirect("journal:home")
        return render(request, "journal/delete_account.html", {"form": form}, status=400)
    return render(request, "journal/delete_account.html", {"form": form})
