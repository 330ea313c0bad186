"""`manage.py check --deploy` with the production environment reports nothing at all."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-production-key-for-tests-only-" + "0123456789abcdefghij" * 2,
    "DJANGO_ALLOWED_HOSTS": "hundreddays.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://hundreddays.example.com",
}


def _check_deploy(**env):
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "hundreddays.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=clean | PRODUCTION | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_the_deploy_check_with_no_warning():
    result = _check_deploy()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_only_the_https_redirect_check_is_silenced_when_the_proxy_redirects():
    result = _check_deploy(DJANGO_SECURE_SSL_REDIRECT="false")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."


def test_the_deploy_check_does_report_a_weakened_setting():
    # Proves the check above can fail: without HSTS, Django warns.
    result = _check_deploy(DJANGO_HSTS_SECONDS="0")
    assert "security.W004" in result.stdout + result.stderr
