import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Recognisable in a leaked log or a secret scanner: "hd_" and 43 URL-safe characters.
TOKEN_PREFIX = "hd_"
MAX_TOKENS_PER_USER = 20


def digest(raw: str) -> str:
    """What is stored: the SHA-256 of the token. A token has 256 random bits, so a fast
    hash is enough (no password to stretch) and the lookup stays one indexed query."""
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def usable(self, now=None):
        """Not revoked and not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Token(models.Model):
    """A personal access token for the API. Only its hash is kept; it authenticates the API only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters of the token, shown on the tokens page so one can tell them apart.
    hint = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(_("read"), default=True)
    can_write = models.BooleanField(_("write"), default=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["digest"], name="api_token_digest_unique"),
            models.CheckConstraint(
                condition=Q(can_read=True) | Q(can_write=True), name="api_token_has_a_scope"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty"),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_token_digest_sha256"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @property
    def scopes(self) -> list[str]:
        return [s for s, on in (("read", self.can_read), ("write", self.can_write)) if on]

    @property
    def scope_labels(self) -> list:
        """The scopes in the page's language."""
        return [self._meta.get_field(f"can_{s}").verbose_name for s in self.scopes]

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self):
        return self.revoked_at is None and not self.is_expired()
