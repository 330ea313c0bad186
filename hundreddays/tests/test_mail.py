"""Without EMAIL_HOST in production, an email is one log line: recipients and subject, never the body.

The finding: the console backend printed password-reset links, unredacted, to the container's
logs. Checked in a fresh interpreter with a production environment (debug off, no EMAIL_HOST),
sending the password-reset email the way allauth does.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "3f-c9b1e2d4a5f60718293a4b5c6d7e8f90"
SEND = f"""
import django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
print("backend=" + settings.EMAIL_BACKEND, flush=True)
send_mail(
    "[Hundred Days] Password Reset",
    "Click to reset: https://hundreddays.example.com/accounts/password/reset/key/{KEY}/ (the body)",
    None,
    ["ada@example.com"],
)
"""


def run(code=SEND, **env):
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "hundreddays.settings",
        "DJANGO_SECRET_KEY": "production-like-test-key-" + "x1y2z3" * 10,
        "DJANGO_ALLOWED_HOSTS": "hundreddays.example.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )


def test_production_without_a_mail_server_logs_recipient_and_subject_but_never_the_body():
    result = run(DJANGO_DEBUG="false")
    out = result.stdout + result.stderr
    assert "backend=hundreddays.mail.LogOnlyEmailBackend" in out
    (line,) = [line for line in out.splitlines() if "email not sent" in line]
    assert "level=WARNING" in line and "to=ada@example.com" in line and "Password Reset" in line
    assert KEY not in out and "the body" not in out and "reset/key" not in out


def test_development_still_prints_the_whole_email_on_the_console():
    result = run(DJANGO_DEBUG="true")
    assert "backend=django.core.mail.backends.console.EmailBackend" in result.stdout
    assert KEY in result.stdout  # a developer needs the link


def test_with_a_mail_server_the_email_goes_to_it():
    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    out = run(code, DJANGO_DEBUG="false", EMAIL_HOST="smtp.example.com").stdout
    assert out.strip() == "django.core.mail.backends.smtp.EmailBackend"
