"""Writes for cohorts: create, join, leave, remove, invite link, organizers, nudges."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cohorts import selectors
from cohorts.figures import AT_RISK
from cohorts.models import Cohort, Membership, new_token
from journal import services as journal_services
from journal.models import Round

RESERVED_SLUGS = {"new"}


class CohortError(Exception):
    """A write the rules refuse; ``message`` is for the user."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def unique_slug(name) -> str:
    base = slugify(name)[:50].strip("-") or "cohort"
    if base in RESERVED_SLUGS:
        base = f"{base}-cohort"
    candidate = base
    while Cohort.objects.filter(slug=candidate).exists():
        candidate = f"{base}-{get_random_string(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    return candidate


@transaction.atomic
def create_cohort(user, *, take_part=False, **fields) -> Cohort:
    """A cohort with ``user`` as its first organizer (and a member with a round when ``take_part``)."""
    cohort = Cohort(created_by=user, slug=unique_slug(fields["name"]), **fields)
    cohort.save()
    membership = Membership.objects.create(cohort=cohort, user=user, role=Membership.Role.ORGANIZER)
    if take_part:
        membership.round = _round_for(user, cohort)
        membership.save(update_fields=["round"])
    return cohort


def _round_for(user, cohort) -> Round:
    """The user's round with the cohort's start date, or a new one with the cohort's start, target and rule."""
    existing = Round.objects.filter(user=user, start_date=cohort.start_date).order_by("-number").first()
    if existing is not None:
        return existing
    return journal_services.start_round(
        user,
        start_date=cohort.start_date,
        title=cohort.name[:120],
        target=cohort.target,
        rule=cohort.rule,
        visibility=Round.Visibility.PRIVATE,
    )


def join(cohort, user, *, share_entries=False) -> Membership:
    """Make ``user`` a member with a round: one membership whatever the number of tries at once.

    The user's row is locked first (as journal.services.start_round does), so two joins of
    the same person run one after the other and the second finds the first's membership;
    the unique constraint is the last word if anything else races.
    """
    try:
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            membership = Membership.objects.filter(cohort=cohort, user=user).first()
            if membership is not None and membership.removed_at is not None:
                raise CohortError("removed", _("An organizer removed you from this cohort."))
            if membership is not None and membership.round_id is not None:
                return membership
            if membership is None:
                membership = Membership(cohort=cohort, user=user)
            membership.round = _round_for(user, cohort)
            membership.share_entries = share_entries
            membership.save()
            return membership
    except IntegrityError:
        membership = Membership.objects.filter(cohort=cohort, user=user).first()
        if membership is None:
            raise
        return membership


def set_sharing(membership, share_entries: bool) -> None:
    Membership.objects.filter(pk=membership.pk).update(share_entries=share_entries)


@transaction.atomic
def leave(membership) -> None:
    """The member leaves: the round stays theirs, the cohort stops seeing it. The last organizer stays."""
    if membership.is_organizer:
        others = (
            Membership.objects.current()
            .select_for_update()
            .filter(cohort_id=membership.cohort_id, role=Membership.Role.ORGANIZER)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            raise CohortError(
                "last_organizer",
                _("You are this cohort's only organizer: add another organizer or delete the cohort."),
            )
    Membership.objects.filter(pk=membership.pk).delete()


def remove(cohort, handle) -> Membership:
    """An organizer removes a member: figures no longer shared, the invite link no longer lets them in."""
    membership = (
        Membership.objects.current()
        .filter(cohort=cohort, user__handle=handle, role=Membership.Role.MEMBER)
        .first()
    )
    if membership is None:
        raise CohortError("not_member", _("There is no such member in this cohort."))
    membership.removed_at = timezone.now()
    membership.round = None
    membership.share_entries = False
    membership.save(update_fields=["removed_at", "round", "share_entries"])
    return membership


def readmit(cohort, handle) -> None:
    """Forget a removal: the person may join again through the invite link."""
    Membership.objects.filter(cohort=cohort, user__handle=handle, removed_at__isnull=False).delete()


def add_organizer(cohort, handle) -> Membership:
    updated = (
        Membership.objects.current()
        .filter(cohort=cohort, user__handle=handle)
        .update(role=Membership.Role.ORGANIZER)
    )
    if not updated:
        raise CohortError("not_member", _("Only a member of this cohort can become an organizer."))
    return Membership.objects.get(cohort=cohort, user__handle=handle)


def rotate_invite(cohort) -> None:
    cohort.invite_token = new_token()
    cohort.save(update_fields=["invite_token"])


def disable_invite(cohort) -> None:
    cohort.invite_token = None
    cohort.save(update_fields=["invite_token"])


def set_invite_expiry(cohort, expires_at) -> None:
    cohort.invite_expires_at = expires_at
    cohort.save(update_fields=["invite_expires_at"])


def delete_cohort(cohort) -> None:
    """The cohort and its memberships go; every member's rounds and entries stay."""
    cohort.delete()


# --- Nudges -------------------------------------------------------------------------------


def due_nudges(cohort, now=None):
    """Rows of members a nudge is for: the round is going, today (their own) is not logged,
    reminders are on, and no nudge reached them on this local day yet."""
    rows = selectors.member_rows(cohort, now)
    return [
        r
        for r in rows
        if r.needs_nudge
        and r.user.is_active
        and r.user.reminders
        and r.user.email
        and r.membership.last_nudged_on != r.today
    ]


def nudge_email(cohort, row) -> tuple[str, str]:
    """Subject and body in the member's language."""
    user = row.user
    with translation.override(user.language or cohort.language or settings.LANGUAGE_CODE):
        subject = _("%(cohort)s: today is waiting for your entry") % {"cohort": cohort.name}
        log_url = f"{settings.SITE_URL}{reverse('journal:entry-new')}?round={row.round.number}"
        cohort_url = f"{settings.SITE_URL}{cohort.get_absolute_url()}"
        settings_url = f"{settings.SITE_URL}{reverse('accounts:profile')}"
        lines = [
            _("Hi %(name)s,") % {"name": user.name},
            "",
            _("The organizers of “%(cohort)s” send a nudge: %(date)s has no entry yet.")
            % {"cohort": cohort.name, "date": date_format(row.today, "DATE_FORMAT")},
        ]
        if row.status == AT_RISK:
            lines.append(_("You missed yesterday: log today to keep the round going."))
        lines += [
            _("You are on day %(day)s of %(target)s. A few minutes count.")
            % {"day": row.summary.day, "target": row.round.target},
            "",
            _("Log today: %(url)s") % {"url": log_url},
            _("The cohort: %(url)s") % {"url": cohort_url},
            "",
            _("You get this email because reminders are on. Turn them off in your account: %(url)s")
            % {"url": settings_url},
        ]
        return subject, "\n".join(lines) + "\n"


def nudge(cohort, now=None, *, dry_run=False):
    """Email every member due a nudge; returns (sent rows, failed rows).

    The member's local date is claimed with a conditional UPDATE before the email goes
    out, so two nudges at once (the button and the command) send one email.
    """
    sent, failed = [], []
    for row in due_nudges(cohort, now):
        if dry_run:
            sent.append(row)
            continue
        claimed = (
            Membership.objects.filter(pk=row.membership.pk)
            .exclude(last_nudged_on=row.today)
            .update(last_nudged_on=row.today)
        )
        if not claimed:
            continue
        subject, body = nudge_email(cohort, row)
        try:
            send_mail(subject, body, None, [row.user.email])
        except Exception:  # one bad address must not stop the others; give the day back
            Membership.objects.filter(pk=row.membership.pk, last_nudged_on=row.today).update(
                last_nudged_on=row.membership.last_nudged_on
            )
            failed.append(row)
            continue
        sent.append(row)
    return sent, failed
