"""Arguments the journal's commands share, each read into a value or a one-line CommandError.

Commands import this module, never each other: a command module is an entry point, and
what two of them share lives here.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def find_user(email):
    """The participant with this email address (any case), or a CommandError."""
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise CommandError(f"No user with the email address {email!r}.")
    return user


def round_number(value):
    """``--round``: a positive round number, or None when not given."""
    if value is None:
        return None
    if not str(value).isdigit() or int(value) < 1:
        raise CommandError(f"--round must be a round number like 1 or 2, not {value!r}.")
    return int(value)
