"""Cohort pages. Every lookup goes through cohorts.selectors, which 404s what the viewer may not see:
a private cohort for non-members, organizer pages for plain members."""

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cohorts import selectors, services, table
from cohorts.forms import CohortForm, CohortSettingsForm, InviteForm, JoinForm, OrganizerForm, SharingForm
from cohorts.services import CohortError
from journal.clock import today_for

JOIN_RATES = {"join": "10/m/ip,20/h/user"}


def status_labels():
    return {
        "upcoming": _("not started"),
        "active": _("active"),
        "at_risk": _("at risk"),
        "broken": _("broken"),
        "finished": _("finished"),
        "completed": _("completed"),
    }


@login_required
@require_safe
def cohort_list(request):
    # Queries: session, user, my memberships (+cohort, +round), public cohorts.
    return render(
        request,
        "cohorts/cohort_list.html",
        {"memberships": selectors.my_cohorts(request.user), "public": selectors.public_cohorts()},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_new(request):
    today = today_for(request.user)
    form = CohortForm(
        request.POST or None,
        initial={
            "start_date": today,
            "target": 100,
            "rule": "official",
            "visibility": "private",
            "language": translation.get_language()[:2],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        take_part = data.pop("take_part")
        cohort = services.create_cohort(request.user, take_part=take_part, **data)
        messages.success(request, _("The cohort is ready. Share its invite link with the members."))
        return redirect("cohorts:settings", slug=cohort.slug)
    return render(request, "cohorts/cohort_form.html", {"form": form, "new": True})


def _ordering(request):
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in selectors.SORTS:
        sort = "name"
    show = request.GET.get("show", "")
    if show not in selectors.FILTERS:
        show = ""
    return sort, show


@require_safe
def cohort_detail(request, slug):
    """The cohort's page. Organizers and members: every member's figures; visitors of a public
    or unlisted cohort: the description and the totals only.

    Queries: session, user, the viewer's membership (+cohort) [or the cohort], the members
    (+user, +round), the dates of their entries, and for organizers the latest shared entries.
    """
    access = selectors.cohort_for(request.user, slug)
    cohort = access.cohort
    rows = selectors.member_rows(cohort)
    sort, show = _ordering(request)
    context = {
        "cohort": cohort,
        "access": access,
        "membership": access.membership,
        "count": len(rows),
        "logged_today": sum(1 for r in rows if r.logged_today),
        "labels": status_labels(),
    }
    if access.is_member:
        shown = selectors.sort_and_filter(rows, sort.lstrip("-"), sort.startswith("-"), show)
        context.update(
            rows=shown,
            rows_html=table.rows_html(
                shown,
                labels=context["labels"],
                viewer_pk=request.user.pk,
                organizer=access.is_organizer,
                remove_base=cohort.get_absolute_url() + "members/",
            ),
            days=selectors.heatmap_days(rows),
            sort=sort,
            show=show,
            at_risk=sum(1 for r in rows if r.status == "at_risk"),
            not_logged=sum(1 for r in rows if not r.logged_today),
            sharing_form=SharingForm(initial={"share_entries": access.membership.share_entries}),
        )
    if access.is_organizer:
        context["shared"] = selectors.shared_entries(cohort, rows)
        context["due"] = sum(1 for r in rows if r.needs_nudge)
    if cohort.leaderboard and rows:
        context["by_logged"], context["by_streak"] = selectors.leaderboard(rows)
    return render(request, "cohorts/cohort_detail.html", context)


def _token_matches(cohort, token):
    return bool(cohort.invite_token) and constant_time_compare(cohort.invite_token, token)


def _rate_limited(request):
    """Joins are limited per address and per person; a cache that fails lets the join through."""
    try:
        usage = ratelimit.consume(request, app="cohorts", action="join", config=JOIN_RATES, user=request.user)
    except Exception:  # the cache is down: never lock people out because of it
        return False
    return usage is None


@require_http_methods(["GET", "HEAD", "POST"])
def join(request, slug, token):
    """The invite link. GET says what joining shares; POST (signed in) joins."""
    cohort = services.Cohort.objects.filter(slug=slug).first()
    if cohort is None or not _token_matches(cohort, token):
        raise Http404
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = {
        "cohort": cohort,
        "form": JoinForm(request.POST if request.method == "POST" else None),
        "expired": not cohort.invite_open(),
    }
    membership = None
    if request.user.is_authenticated:
        membership = services.Membership.objects.filter(cohort=cohort, user=request.user).first()
        if membership is not None and membership.removed_at is None and membership.round_id:
            return redirect(cohort)
        context["removed"] = membership is not None and membership.removed_at is not None
        context["today"] = today_for(request.user)
    status = 200
    if context["expired"]:
        status = 410
    elif context.get("removed"):
        status = 403
    elif request.method == "POST":
        if _rate_limited(request):
            context["limited"] = True
            return render(request, "cohorts/join.html", context, status=429)
        if context["form"].is_valid():
            try:
                services.join(
                    cohort, request.user, share_entries=context["form"].cleaned_data["share_entries"]
                )
            except CohortError as error:
                context["form"].add_error(None, error.message)
                status = 403
            else:
                messages.success(request, _("Welcome to %(cohort)s!") % {"cohort": cohort.name})
                return redirect(cohort)
    return render(request, "cohorts/join.html", context, status=status)


CSV_HEADERS = (
    lambda: _("Name"),
    lambda: _("Handle"),
    lambda: _("Role"),
    lambda: _("Round"),
    lambda: _("Day"),
    lambda: _("Target"),
    lambda: _("Days logged"),
    lambda: _("Current streak"),
    lambda: _("Longest streak"),
    lambda: _("Missed days"),
    lambda: _("Last logged"),
    lambda: _("Status"),
    lambda: _("Logged today"),
    lambda: _("Member's today"),
    lambda: _("Time zone"),
)


def _csv_safe(value: str) -> str:
    """Text that a spreadsheet app would run as a formula gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@require_safe
def members_csv(request, slug):
    """Every member's figures as CSV (UTF-8 with a BOM, headers in the viewer's language).
    Organizers only. Queries: session, user, membership (+cohort), members (+user, +round), dates."""
    access = selectors.organizer_cohort(request.user, slug)
    rows = selectors.member_rows(access.cohort)
    labels = status_labels()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([h() for h in CSV_HEADERS])
    yes, no = _("yes"), _("no")
    for r in selectors.sort_and_filter(rows):
        s = r.summary
        writer.writerow(
            [
                _csv_safe(r.user.name),
                r.user.handle,
                _("Organizer") if r.membership.role == "organizer" else _("Member"),
                r.round.number,
                s.day,
                s.target,
                s.logged,
                s.current_streak,
                s.longest_streak,
                s.missed,
                r.last_logged.isoformat() if r.last_logged else "",
                labels[r.status],
                yes if s.logged_today else no,
                r.today.isoformat(),
                r.user.time_zone,
            ]
        )
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.cohort.slug}-members.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


class CohortFeed(Feed):
    """Shared entries of a cohort's members. A private cohort's feed exists for its signed-in members only."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = super().__call__(request, *args, **kwargs)
        # A member's private cohort feed must not sit in a shared cache.
        response["Cache-Control"] = "private, max-age=300"
        return response

    def get_object(self, request, slug):
        cohort = selectors.cohort_for(request.user, slug).cohort
        cohort.feed_entries = selectors.feed_entries(cohort, member_view=cohort.is_private)
        return cohort

    def get_feed(self, obj, request):
        with translation.override(obj.language):
            return super().get_feed(obj, request)

    def title(self, cohort):
        return _("%(cohort)s · shared entries") % {"cohort": cohort.name}

    def link(self, cohort):
        return cohort.get_absolute_url()

    def subtitle(self, cohort):
        return _("The latest entries that members of %(cohort)s share.") % {"cohort": cohort.name}

    def items(self, cohort):
        return cohort.feed_entries

    def item_title(self, entry):
        who = entry.round.user.name
        return _("%(name)s · Day %(day)s: %(title)s") % {
            "name": who,
            "day": entry.day,
            "title": entry.title or date_format(entry.date),
        }

    def item_description(self, entry):
        return entry.progress_html

    def item_link(self, entry):
        return entry.get_absolute_url()

    def item_pubdate(self, entry):
        return entry.created_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_author_name(self, entry):
        return entry.round.user.name


BADGE_FONT = "Verdana,Geneva,DejaVu Sans,sans-serif"


@require_safe
def badge(request, slug):
    """An SVG: members who logged today / members. Fetched without cookies, so a private cohort has none."""
    cohort = services.Cohort.objects.exclude(visibility="private").filter(slug=slug).first()
    if cohort is None:
        raise Http404
    rows = selectors.member_rows(cohort)
    logged = sum(1 for r in rows if r.logged_today)
    with translation.override(cohort.language):
        label = _("%(cohort)s: %(logged)s of %(members)s members logged today (#100DaysOfCode)") % {
            "cohort": cohort.name,
            "logged": logged,
            "members": len(rows),
        }
        caption = _("logged today")
    count = f"{logged}/{len(rows)}"
    name = cohort.name if len(cohort.name) <= 28 else cohort.name[:27] + "…"
    width = 260
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="44" viewBox="0 0 {width} 44" '
        f'role="img" aria-labelledby="t"><title id="t">{escape(label)}</title>'
        f'<rect width="{width}" height="44" rx="6" fill="#ffffff" stroke="#d0d7de"/>'
        f'<g font-family="{BADGE_FONT}" font-size="12" fill="#1f2328">'
        f'<text x="8" y="18" font-weight="bold">{escape(name)}</text>'
        f'<text x="8" y="35" fill="#57606a">{escape(caption)}</text>'
        f'<text x="{width - 8}" y="30" text-anchor="end" font-weight="bold" font-size="18" '
        f'fill="#1a7f37">{escape(count)}</text></g></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _expiry(user, day):
    """The end of ``day`` in the organizer's time zone."""
    zone = ZoneInfo(user.time_zone or "UTC")
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_settings(request, slug):
    """Organizers: the cohort's settings, its invite link, organizers and removed members."""
    access = selectors.organizer_cohort(request.user, slug)
    cohort = access.cohort
    form = CohortSettingsForm(request.POST or None, instance=cohort)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The cohort's settings are saved."))
        return redirect("cohorts:settings", slug=cohort.slug)
    expires_on = None
    if cohort.invite_expires_at:
        expires_on = timezone.localtime(
            cohort.invite_expires_at - timedelta(seconds=1), ZoneInfo(request.user.time_zone or "UTC")
        ).date()
    return render(
        request,
        "cohorts/cohort_settings.html",
        {
            "cohort": cohort,
            "form": form,
            "invite_url": f"{settings.SITE_URL}{cohort.invite_path()}" if cohort.invite_token else "",
            "invite_open": cohort.invite_open(),
            "invite_form": InviteForm(initial={"action": "expiry", "expires_on": expires_on}),
            "organizer_form": OrganizerForm(),
            "organizers": selectors.organizers(cohort),
            "removed": selectors.removed_members(cohort),
        },
    )


@login_required
@require_POST
def invite(request, slug):
    access = selectors.organizer_cohort(request.user, slug)
    cohort = access.cohort
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid date."))
    elif form.cleaned_data["action"] == "rotate":
        services.rotate_invite(cohort)
        messages.success(request, _("A new invite link is ready; the old one no longer works."))
    elif form.cleaned_data["action"] == "disable":
        services.disable_invite(cohort)
        messages.success(
            request, _("The invite link is turned off. Nobody can join until you make a new one.")
        )
    else:
        day = form.cleaned_data["expires_on"]
        services.set_invite_expiry(cohort, _expiry(request.user, day) if day else None)
        messages.success(request, _("The invite link's expiry is saved."))
    return redirect("cohorts:settings", slug=cohort.slug)


@login_required
@require_POST
def add_organizer(request, slug):
    access = selectors.organizer_cohort(request.user, slug)
    form = OrganizerForm(request.POST)
    if form.is_valid():
        try:
            services.add_organizer(access.cohort, form.cleaned_data["handle"])
        except CohortError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("@%(handle)s is now an organizer.") % {"handle": form.cleaned_data["handle"]}
            )
    else:
        messages.error(request, _("Type a member's handle."))
    return redirect("cohorts:settings", slug=access.cohort.slug)


@login_required
@require_POST
def remove_member(request, slug, handle):
    access = selectors.organizer_cohort(request.user, slug)
    try:
        services.remove(access.cohort, handle)
    except CohortError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("@%(handle)s is removed from the cohort.") % {"handle": handle})
    return redirect(access.cohort)


@login_required
@require_POST
def readmit_member(request, slug, handle):
    access = selectors.organizer_cohort(request.user, slug)
    services.readmit(access.cohort, handle)
    messages.success(request, _("@%(handle)s may join again through the invite link.") % {"handle": handle})
    return redirect("cohorts:settings", slug=access.cohort.slug)


@login_required
@require_POST
def nudge(request, slug):
    access = selectors.organizer_cohort(request.user, slug)
    sent, failed = services.nudge(access.cohort)
    if sent:
        messages.success(
            request,
            ngettext("A nudge went to %(n)s member.", "Nudges went to %(n)s members.", len(sent))
            % {"n": len(sent)},
        )
    else:
        messages.info(request, _("Nobody needs a nudge right now (or they already got one today)."))
    if failed:
        messages.error(
            request,
            ngettext("%(n)s email could not be sent.", "%(n)s emails could not be sent.", len(failed))
            % {"n": len(failed)},
        )
    return redirect(access.cohort)


@login_required
@require_POST
def sharing(request, slug):
    access = selectors.member_cohort(request.user, slug)
    form = SharingForm(request.POST)
    form.is_valid()
    share = bool(form.cleaned_data.get("share_entries"))
    services.set_sharing(access.membership, share)
    if share:
        messages.success(request, _("The organizers may now read your entries."))
    else:
        messages.success(
            request,
            _("Your entries are no longer shared (public and unlisted rounds stay readable by link)."),
        )
    return redirect(access.cohort)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def leave(request, slug):
    access = selectors.member_cohort(request.user, slug)
    if request.method == "POST":
        try:
            services.leave(access.membership)
        except CohortError as error:
            messages.error(request, error.message)
            return redirect(access.cohort)
        messages.success(
            request,
            _("You left %(cohort)s. Your round and entries stay yours.") % {"cohort": access.cohort.name},
        )
        return redirect("cohorts:list")
    return render(request, "cohorts/leave.html", {"cohort": access.cohort, "membership": access.membership})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_delete(request, slug):
    access = selectors.organizer_cohort(request.user, slug)
    if request.method == "POST":
        name = access.cohort.name
        services.delete_cohort(access.cohort)
        messages.success(
            request,
            _("%(cohort)s is deleted. Every member keeps their round and entries.") % {"cohort": name},
        )
        return redirect("cohorts:list")
    return render(request, "cohorts/cohort_confirm_delete.html", {"cohort": access.cohort})
