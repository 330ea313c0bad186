"""Settings for bench/run.py only: the production settings plus this app (a ceiling view, a
query count per response and the ``bench_dataset`` command).

Never serves real traffic: it refuses any database whose name lacks "bench". bench/run.py sets
the environment (secret, DATABASE_URL, no SSL redirect) before gunicorn loads this module.
"""

from django.core.exceptions import ImproperlyConfigured

from hundreddays.settings import *  # noqa: F403
from hundreddays.settings import DATABASES, INSTALLED_APPS, MIDDLEWARE

if "bench" not in str(DATABASES["default"].get("NAME", "")):
    raise ImproperlyConfigured("bench.app.settings needs a database whose name contains 'bench'.")

INSTALLED_APPS = [*INSTALLED_APPS, "bench.app"]
ROOT_URLCONF = "bench.app.urls"
MIDDLEWARE = ["bench.app.urls.QueryCountMiddleware", *MIDDLEWARE]
# The POST mix writes from one address at machine speed: the write limits are counted (their
# cost is part of the figures) but set out of reach.
RATE_LIMITS = {"write": "1000000/m/user,1000000/m/ip", "import": "1000000/m/user,1000000/m/ip"}
