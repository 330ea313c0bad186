import os

import pytest
from hypothesis import settings as hypothesis_settings

# CI runs every property test on the same examples, so a run's verdict does not depend on the
# draw (a failure seen locally prints its seed and blob to replay it).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# Browser tests drive a live server from pytest's (synchronous) thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def make_user(db, django_user_model):
    def make(email="ada@example.com", password="correct horse battery", **extra):
        extra.setdefault("display_name", email.split("@")[0].title())
        return django_user_model.objects.create_user(email=email, password=password, **extra)

    return make


@pytest.fixture
def confirmed(db):
    """Mark a user's address confirmed: with mandatory verification, a password sign-in needs it."""
    from allauth.account.models import EmailAddress

    def confirm(user):
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    return confirm


@pytest.fixture
def user(make_user):
    return make_user("ada@example.com", handle="ada")


@pytest.fixture
def other_user(make_user):
    return make_user("grace@example.com", handle="grace")


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def other_client(client, other_user):
    from django.test import Client

    c = Client()
    c.force_login(other_user)
    return c


@pytest.fixture
def anon_client():
    from django.test import Client

    return Client()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A Spanish request must not leave Spanish active for the next test in this thread."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def redis_cache():
    """Redis as the cache, as with REDIS_URL set (keys of this run only; skipped without Redis
    unless CI is set)."""
    from journal.tests import budget

    with budget.kept_pages():
        yield
