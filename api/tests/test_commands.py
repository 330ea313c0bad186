from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import Token, digest

pytestmark = pytest.mark.django_db


def test_create_token_prints_each_token_once_and_keeps_its_hash(user, other_user):
    out = StringIO()
    call_command(
        "create_token",
        "--handle",
        "ada",
        "--handle",
        "grace",
        "--name",
        "ci",
        "--scopes",
        "write",
        stdout=out,
    )
    lines = dict(line.split(" ") for line in out.getvalue().splitlines())
    assert set(lines) == {"ada", "grace"}
    token = Token.objects.get(user=user)
    assert token.digest == digest(lines["ada"]) and token.scopes == ["write"] and token.expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--handle", "nobody", "--name", "x"], "No active participant with the handle 'nobody'."),
        (
            ["--handle", "ada", "--name", "x", "--scopes", "admin"],
            "--scopes must be read, write or read,write.",
        ),
        (["--handle", "ada", "--name", "x", "--expires-days", "0"], "--expires-days must be at least 1."),
    ],
)
def test_create_token_refuses_mistakes_in_one_line(user, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_token", *args, stdout=StringIO())
    assert not Token.objects.exists()


def test_create_token_dry_run_creates_nothing(user):
    out = StringIO()
    call_command("create_token", "--handle", "ada", "--name", "x", "--dry-run", stdout=out)
    assert out.getvalue() == "Would create 1 token(s) named 'x'.\n" and not Token.objects.exists()
