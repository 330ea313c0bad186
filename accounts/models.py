import re
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

HANDLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,28}[a-z0-9])?$")
RESERVED_HANDLES = {"admin", "api", "static", "media", "accounts", "account", "explore", "healthz"}


def validate_handle(value):
    if not HANDLE_RE.match(value or ""):
        raise ValidationError(
            _(
                "Use 1 to 30 lowercase letters, digits, hyphens or underscores, starting and ending with a letter or digit."
            )
        )
    if value in RESERVED_HANDLES:
        raise ValidationError(_("This handle is reserved."))


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A participant. The email address is the sign-in identity."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    handle = models.CharField(
        _("handle"),
        max_length=30,
        unique=True,
        validators=[validate_handle],
        help_text=_("Used in your public address: /@handle/"),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    rollover_hour = models.PositiveSmallIntegerField(
        _("day rollover hour"),
        default=0,
        help_text=_("Until this hour (0 to 6), what you log still counts for the previous day."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True, default="")
    avatar_url = models.URLField(_("avatar"), blank=True, max_length=500)
    reminders = models.BooleanField(
        _("email reminders"),
        default=True,
        help_text=_("An email in the evening when today has no entry yet."),
    )
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)

    objects = EmailUserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rollover_hour__gte=0, rollover_hour__lte=6),
                name="accounts_user_rollover_hour_0_6",
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=["", "en", "es"]),
                name="accounts_user_language_known",
            ),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        if not self.handle:
            self.handle = unique_handle_for(self.email, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("journal:profile", kwargs={"handle": self.handle})

    @property
    def name(self):
        return self.display_name or self.get_full_name() or self.handle


def unique_handle_for(email, exclude_pk=None):
    base = re.sub(r"[^a-z0-9_-]+", "-", (email or "").split("@")[0].lower()).strip("-_")[:24]
    if not base or not HANDLE_RE.match(base) or base in RESERVED_HANDLES:
        base = "coder"
    candidate = base
    users = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    while users.filter(handle=candidate).exists():
        candidate = f"{base}-{get_random_string(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    return candidate
