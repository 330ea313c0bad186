# Cases for scripts/security/semgrep.yml (semgrep --test): "ruleid" lines must be flagged, "ok" lines not.
# Not imported by anything; the names below only need to parse.
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from journal import markdown, selectors, services
from journal.models import Entry, Link, Round


def lookups(request, number, ids):
    # ruleid: owned-model-by-primary-key
    Round.objects.get(pk=number)
    # ruleid: owned-model-by-primary-key
    get_object_or_404(Entry, pk=number)
    # ruleid: owned-model-by-primary-key
    Round.objects.select_related("user").get(pk=number)
    # ruleid: owned-model-by-primary-key
    Link.objects.filter(id=number)
    # ruleid: owned-model-by-primary-key
    Entry.objects.filter(id__in=ids).delete()
    # ruleid: owned-model-by-primary-key
    get_object_or_404(Round.objects.select_related("user"), pk=request.GET["round"])
    # ok: owned-model-by-primary-key
    Round.objects.for_user(request.user).get(pk=number)
    # ok: owned-model-by-primary-key
    get_object_or_404(Round.objects.filter(user=request.user), pk=number)
    # ok: owned-model-by-primary-key
    Round.objects.get(pk=number, user=request.user)
    # ok: owned-model-by-primary-key
    get_object_or_404(Entry, pk=number, round__user=request.user)
    # ok: owned-model-by-primary-key
    Entry.objects.visible_to(request.user).get(pk=number)
    # ok: owned-model-by-primary-key
    Round.objects.for_user(request.user).get(number=number)


def refetch_of_my_own_round(request, number):
    round = selectors.own_round(request.user, number)
    # ok: owned-model-by-primary-key
    services.update_round(Round.objects.get(pk=round.pk), title="x")
    # ruleid: owned-model-by-primary-key
    Round.objects.get(pk=request.GET["other"])


def refetch_of_any_round(request):
    round = Round.objects.first()
    # ruleid: owned-model-by-primary-key
    services.update_round(Round.objects.get(pk=round.pk), title="x")


def html(request, round, entry, fragment, form):
    # ruleid: mark-safe-on-user-data
    mark_safe(round.title)
    # ruleid: mark-safe-on-user-data
    mark_safe(f"<b>{entry.progress}</b>")
    # ruleid: mark-safe-on-user-data
    mark_safe(request.GET.get("q", ""))
    title = form.cleaned_data["title"]
    # ruleid: mark-safe-on-user-data
    mark_safe("<p>" + title)
    # ok: mark-safe-on-user-data
    mark_safe(escape(round.title))
    # ok: mark-safe-on-user-data
    mark_safe(render_to_string("journal/includes/entry.html", {"entry": entry}))
    # ok: mark-safe-on-user-data
    mark_safe(markdown.render(entry.progress))
    # ok: mark-safe-on-user-data
    mark_safe(entry.progress_html)
    # ok: mark-safe-on-user-data
    {key: mark_safe(value) for key, value in fragment.items()}
    # ok: mark-safe-on-user-data, format-html-with-a-built-string
    format_html("<b>{}</b>", round.title)
    # ruleid: format-html-with-a-built-string
    format_html(f"<b>{round.title}</b>")
    # ruleid: format-html-with-a-built-string
    format_html("<b>%s</b>" % round.number)  # noqa: UP031 - the case itself
