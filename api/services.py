"""Writes on tokens: create (the plain token is returned once, never stored) and revoke."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import MAX_TOKENS_PER_USER, TOKEN_PREFIX, Token, digest

# Revoked tokens stay listed for a while (what was revoked, and when), then go.
KEEP_REVOKED = 20
# last_used_at is written at most this often per token: a read-only request stays read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_token(user, *, name, can_read=True, can_write=False, expires_at=None) -> tuple[Token, str]:
    """A new token for ``user``: (the row, the plain token to show once)."""
    # Lock the user's row so two submits cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if Token.objects.filter(user=user).usable().count() >= MAX_TOKENS_PER_USER:
        raise TokenError(
            _("You already have %(n)s active tokens; revoke one first.") % {"n": MAX_TOKENS_PER_USER}
        )
    if not (can_read or can_write):
        raise TokenError(_("Choose at least one scope."), field="scopes")
    raw = new_secret()
    token = Token.objects.create(
        user=user,
        name=name.strip(),
        hint=raw[: len(TOKEN_PREFIX) + 5],
        digest=digest(raw),
        can_read=can_read,
        can_write=can_write,
        expires_at=expires_at,
    )
    old = list(
        Token.objects.filter(user=user, revoked_at__isnull=False)
        .order_by("-revoked_at")
        .values_list("pk", flat=True)[KEEP_REVOKED:]
    )
    if old:
        Token.objects.filter(pk__in=old).delete()
    return token, raw


def revoke_token(token) -> None:
    Token.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate(raw: str):
    """The usable token ``raw`` stands for, with its user loaded, or None. One query,
    plus an UPDATE of ``last_used_at`` at most once a minute per token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    now = timezone.now()
    token = (
        Token.objects.usable(now)
        .select_related("user")
        .filter(digest=digest(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        Token.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
