"""The environment readers reject bad values, and production refuses to start without a real key."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hundreddays.env import env_bool, env_int, env_origins, env_url_path

GOOD_KEY = "a-production-key-for-tests-only-" + "0123456789abcdefghij" * 2


def test_a_debug_flag_that_is_neither_true_nor_false_is_an_error(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be true or false"):
        env_bool("DJANGO_DEBUG", False)


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), (" TRUE ", True), ("0", False), ("off", False)])
def test_the_usual_spellings_of_true_and_false_are_read(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env_bool("DJANGO_DEBUG", not expected) is expected


@pytest.mark.parametrize("raw", ["587a", "5.5", "twenty"])
def test_a_port_that_is_not_a_whole_number_is_an_error(monkeypatch, raw):
    monkeypatch.setenv("EMAIL_PORT", raw)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)


def test_a_port_out_of_range_is_an_error(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "70000")
    with pytest.raises(ImproperlyConfigured, match="between 1 and 65535"):
        env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)


def test_a_good_port_is_read(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", " 2525 ")
    assert env_int("EMAIL_PORT", 587, minimum=1, maximum=65535) == 2525


@pytest.mark.parametrize(
    "origin", ["hundreddays.example.com", "ftp://example.com", "https://example.com/app"]
)
def test_an_origin_without_scheme_or_with_a_path_is_an_error(monkeypatch, origin):
    monkeypatch.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", f"https://ok.example.com,{origin}")
    with pytest.raises(ImproperlyConfigured, match="must list origins like https://example.com"):
        env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")


def test_good_origins_are_read(monkeypatch):
    monkeypatch.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", "https://a.example.com, http://127.0.0.1:8000")
    assert env_origins("DJANGO_CSRF_TRUSTED_ORIGINS") == ["https://a.example.com", "http://127.0.0.1:8000"]


@pytest.mark.parametrize("path", ["/", "my admin/", "admin?x=1", "../admin/", "admin#top", "http://x/"])
def test_a_bad_admin_path_is_an_error(monkeypatch, path):
    monkeypatch.setenv("DJANGO_ADMIN_URL", path)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMIN_URL must be a path like 'admin/'"):
        env_url_path("DJANGO_ADMIN_URL", "admin/")


def test_an_admin_path_is_normalised_to_one_trailing_slash(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_URL", "/back-office-7f3a")
    assert env_url_path("DJANGO_ADMIN_URL", "admin/") == "back-office-7f3a/"


def _start(**env):
    """`manage.py check` in a clean environment: nothing from this test run leaks in."""
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "hundreddays.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _assert_refused_in_one_line(result, message):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"Configuration error: {message}")


def test_production_refuses_to_start_without_a_secret_key():
    result = _start(DJANGO_DEBUG="false")
    _assert_refused_in_one_line(result, "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")


def test_production_refuses_a_secret_key_shorter_than_50_characters():
    result = _start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x1y2z3" * 8)  # 48 characters
    _assert_refused_in_one_line(result, "DJANGO_SECRET_KEY must be at least 50 characters")


def test_a_misspelt_debug_flag_stops_the_start():
    result = _start(DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY=GOOD_KEY)
    _assert_refused_in_one_line(result, "DJANGO_DEBUG must be true or false")


def test_production_starts_with_a_real_key():
    result = _start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_bare_checkout_runs_management_commands_in_development_mode():
    # No DJANGO_DEBUG and no DJANGO_SECRET_KEY: manage.py is a developer's tool here.
    result = _start()
    assert result.returncode == 0, result.stderr
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_the_web_server_never_takes_the_development_default():
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-c", "import hundreddays.wsgi"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr
