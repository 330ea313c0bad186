"""Settings for `manage.py lintmigrations` only (scripts/reliability/run.py, step "Migrations").

django-migration-linter is a development tool: it is added to INSTALLED_APPS here, never in
the settings that serve the site.
"""

from hundreddays.test_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "django_migration_linter"]  # noqa: F405
