"""Settings for bench/run.py only: the production settings, a ceiling view and a query count.

Never used to serve real traffic: it refuses any database whose name lacks "bench".
bench/run.py sets the environment (secret, DATABASE_URL, no SSL redirect) before
gunicorn loads this module.
"""

from django.core.exceptions import ImproperlyConfigured

from hundreddays.settings import *  # noqa: F403
from hundreddays.settings import DATABASES, MIDDLEWARE

if "bench" not in str(DATABASES["default"].get("NAME", "")):
    raise ImproperlyConfigured("hundreddays.bench_settings needs a database whose name contains 'bench'.")

ROOT_URLCONF = "hundreddays.bench_urls"
MIDDLEWARE = ["hundreddays.bench_urls.QueryCountMiddleware", *MIDDLEWARE]
# The POST mix writes from one address at machine speed: the write limits are counted (their
# cost is part of the figures) but set out of reach.
RATE_LIMITS = {"write": "1000000/m/user,1000000/m/ip", "import": "1000000/m/user,1000000/m/ip"}
