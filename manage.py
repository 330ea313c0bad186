#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hundreddays.settings")
    if "DJANGO_DEBUG" not in os.environ and "DJANGO_SECRET_KEY" not in os.environ:
        # Neither set: a developer's checkout (makemigrations, shell, tests of a command).
        # A deployment sets both, and the web server (hundreddays/wsgi.py) never takes
        # this default: without a key it refuses to start.
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a bad one in one line
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
