"""A cohort: a group running the challenge together (a class, a bootcamp, a meetup).

Members keep their own rounds; a membership links one of them to the cohort, and only
while it exists are the round's figures shown to the organizers.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal import markdown, rules
from journal.models import MAX_TARGET, Round

TOKEN_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class CohortQuerySet(models.QuerySet):
    def for_member(self, user):
        """Cohorts the user belongs to (as a member or an organizer), removals excluded."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__removed_at__isnull=True)

    def listed(self):
        return self.filter(visibility=Cohort.Visibility.PUBLIC)


class Cohort(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Private: members only")
        UNLISTED = "unlisted", _("Unlisted: anyone with the link sees the cohort's page")
        PUBLIC = "public", _("Public: listed, anyone sees the cohort's page")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    description_html = models.TextField(editable=False, blank=True)
    start_date = models.DateField(_("start date"))
    target = models.PositiveSmallIntegerField(_("target days"), default=100)
    rule = models.CharField(
        _("counting rule"), max_length=10, choices=Round.Rule.choices, default=rules.OFFICIAL
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default="en")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    leaderboard = models.BooleanField(
        _("leaderboard"), default=False, help_text=_("Show members ranked by days logged and by streak.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The invite link: null when disabled. Rotating replaces it, so the old link stops working.
    invite_token = models.CharField(max_length=64, unique=True, null=True, blank=True, default=new_token)
    invite_expires_at = models.DateTimeField(_("invite link expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=1, target__lte=MAX_TARGET), name="cohorts_cohort_target_1_366"
            ),
            models.CheckConstraint(
                condition=Q(rule__in=[rules.OFFICIAL, rules.CALENDAR]), name="cohorts_cohort_rule_known"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "unlisted", "private"]),
                name="cohorts_cohort_visibility_known",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["en", "es"]), name="cohorts_cohort_language_known"
            ),
            models.CheckConstraint(
                condition=Q(invite_token__isnull=True) | Q(invite_token__regex=r"^[A-Za-z0-9_-]{43,64}$"),
                name="cohorts_cohort_invite_token_unguessable",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.description_html = markdown.render(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cohorts:detail", kwargs={"slug": self.slug})

    def invite_path(self):
        if not self.invite_token:
            return ""
        return reverse("cohorts:join", kwargs={"slug": self.slug, "token": self.invite_token})

    def invite_open(self, now=None) -> bool:
        if not self.invite_token:
            return False
        return self.invite_expires_at is None or (now or timezone.now()) < self.invite_expires_at

    @property
    def is_private(self):
        return self.visibility == self.Visibility.PRIVATE


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """Members and organizers who have not been removed."""
        return self.filter(removed_at__isnull=True)


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")
        MEMBER = "member", _("Member")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cohort")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    # The member's own round whose figures the cohort sees; an organizer may take part or not.
    round = models.ForeignKey(
        Round,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cohort_memberships",
        verbose_name=_("round"),
    )
    share_entries = models.BooleanField(_("share my entries with this cohort"), default=False)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    # Set when an organizer removes the member: the row stays so the invite link cannot bring them back.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # The member's local date of the last nudge: at most one a local day.
    last_nudged_on = models.DateField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["cohort_id", "joined_at", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohorts_membership_one_per_user"),
            models.CheckConstraint(
                condition=Q(role__in=["organizer", "member"]), name="cohorts_membership_role_known"
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(role="member", round__isnull=True),
                name="cohorts_membership_removed_shares_nothing",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.cohort}"

    @property
    def is_organizer(self):
        return self.role == self.Role.ORGANIZER and self.removed_at is None
