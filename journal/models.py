import re

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from journal import limits, markdown, rules

MAX_TARGET = 366


class RoundQuerySet(models.QuerySet):
    def for_user(self, user):
        """The rounds a user owns (nothing for an anonymous visitor)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def visible_to(self, user):
        """Rounds a person may open by URL: public, unlisted, or their own."""
        shared = Q(visibility__in=[Round.Visibility.PUBLIC, Round.Visibility.UNLISTED])
        if user.is_authenticated:
            shared |= Q(user=user)
        return self.filter(shared)

    def listed(self):
        """Rounds that appear in lists and feeds: public only."""
        return self.filter(visibility=Round.Visibility.PUBLIC)


class Round(models.Model):
    class Rule(models.TextChoices):
        OFFICIAL = rules.OFFICIAL, _("Official: day N is your N-th logged day")
        CALENDAR = rules.CALENDAR, _("Calendar: day N is the N-th day since the start")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: listed on your profile and in feeds")
        UNLISTED = "unlisted", _("Unlisted: anyone with the link")
        PRIVATE = "private", _("Private: only you")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("user")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=limits.ROUND_TITLE)
    start_date = models.DateField(_("start date"))
    target = models.PositiveSmallIntegerField(_("target days"), default=100)
    rule = models.CharField(_("counting rule"), max_length=10, choices=Rule.choices, default=Rule.OFFICIAL)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=limits.ROUND_DESCRIPTION,
        validators=[markdown.validate_markdown],
        help_text=_("Markdown, as on GitHub."),
    )
    description_html = models.TextField(editable=False, blank=True)
    # Bumped on every write to the round or its entries: the key of its cached fragments.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "-number"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="journal_round_one_number_per_user"),
            models.CheckConstraint(
                condition=Q(target__gte=1, target__lte=MAX_TARGET), name="journal_round_target_1_366"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="journal_round_number_positive"),
            models.CheckConstraint(
                condition=Q(rule__in=[rules.OFFICIAL, rules.CALENDAR]), name="journal_round_rule_known"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "unlisted", "private"]),
                name="journal_round_visibility_known",
            ),
        ]

    def __str__(self):
        return f"R{self.number} · {self.title}"

    def save(self, *args, **kwargs):
        self.description_html = markdown.render(self.description)
        if not self.title:
            self.title = default_title(self.number)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("journal:round", kwargs={"handle": self.user.handle, "number": self.number})

    @property
    def title_names_number(self):
        """True when the title already says "R<number>" (as the default title does): no second label."""
        return re.search(rf"(?<![\w])R{self.number}(?![\w])", self.title or "", re.IGNORECASE) is not None

    @property
    def is_public(self):
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_private(self):
        return self.visibility == self.Visibility.PRIVATE


def default_title(number):
    return f"#100DaysOfCode R{number}"


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=limits.TAG, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class EntryQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(round__user=user)

    def public(self):
        return self.filter(round__visibility=Round.Visibility.PUBLIC)

    def visible_to(self, user):
        shared = Q(round__visibility__in=[Round.Visibility.PUBLIC, Round.Visibility.UNLISTED])
        if user.is_authenticated:
            shared |= Q(round__user=user)
        return self.filter(shared)

    def without_sources(self):
        """Skip the Markdown sources, which pages never show."""
        return self.defer("progress", "thoughts")


class Entry(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="entries", verbose_name=_("round")
    )
    date = models.DateField(_("date"))
    # Derived from date and the round's rule by journal.services; never typed in.
    day = models.PositiveSmallIntegerField(_("day"), editable=False)
    title = models.CharField(_("title"), max_length=limits.ENTRY_TITLE, blank=True)
    progress = models.TextField(
        _("today's progress"), max_length=limits.ENTRY_PROGRESS, validators=[markdown.validate_markdown]
    )
    progress_html = models.TextField(editable=False)
    thoughts = models.TextField(
        _("thoughts"), blank=True, max_length=limits.ENTRY_THOUGHTS, validators=[markdown.validate_markdown]
    )
    thoughts_html = models.TextField(editable=False, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes coded"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries", verbose_name=_("tags"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "date"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(fields=["round", "date"], name="journal_entry_one_per_date"),
            models.CheckConstraint(condition=Q(day__gte=1), name="journal_entry_day_positive"),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__lte=1440),
                name="journal_entry_minutes_in_a_day",
            ),
        ]
        indexes = [models.Index(F("created_at").desc(), name="journal_entry_created_desc")]

    def __str__(self):
        return f"Day {self.day}: {self.title or self.date.isoformat()}"

    def save(self, *args, **kwargs):
        self.progress_html = markdown.render(self.progress)
        self.thoughts_html = markdown.render(self.thoughts)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "journal:entry",
            kwargs={"handle": self.round.user.handle, "number": self.round.number, "date": self.date},
        )


class Link(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(
        _("URL"), max_length=limits.LINK_URL, validators=[URLValidator(schemes=["http", "https"])]
    )
    label = models.CharField(_("label"), max_length=limits.LINK_LABEL, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entry_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(url__regex=r"^https?://"), name="journal_link_http_only"),
        ]
        verbose_name = _("link to work")
        verbose_name_plural = _("links to work")

    def __str__(self):
        return self.label or self.url
