import os
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_it_returns_at_once_when_the_database_answers():
    out = StringIO()
    call_command("wait_for_db", "--timeout", "5", stdout=out)
    assert "is up" in out.getvalue()


def test_it_refuses_a_timeout_that_is_not_a_number():
    with pytest.raises(CommandError, match="must be a whole number of seconds"):
        call_command("wait_for_db", "--timeout", "soon")


def test_it_gives_up_after_the_timeout_with_one_clear_line(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "hundreddays.settings",
        "DJANGO_DEBUG": "true",
        # A database file in a folder that does not exist: every connection attempt fails.
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/db.sqlite3",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "wait_for_db", "--timeout", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    assert result.stderr.strip().startswith("CommandError: The database at")
    assert "did not answer within 1 s" in result.stderr
    assert "Traceback" not in result.stderr
