"""Settings for Hundred Days, read from the environment (see .env.example)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hundreddays.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_origins,
    env_rates,
    env_str,
    env_url_path,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Development only: debug is on, nothing here is worth protecting.
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off-0123456789abcdefghij"
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be at least 50 characters with at least 5 different ones."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The name in emails' subjects and greetings (with SITE_URL's host as the domain).
SITE_NAME = env_str("SITE_NAME", "Hundred Days")
ADMIN_URL = env_url_path("DJANGO_ADMIN_URL", "admin/")

INSTALLED_APPS = [
    "accounts",
    "journal",
    "cohorts",
    "api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "csp",
    "ninja",  # the API page's Swagger UI, served from our own static files
]

MIDDLEWARE = [
    "hundreddays.cache.NoSharedCopyWithCookies",
    "django.middleware.security.SecurityMiddleware",
    # Under /api/ every error is a problem+json, Django's own 404/500/CSRF pages included.
    "api.problems.ProblemMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before anything reads the body (CSRF's check is the first): 413 past the limit.
    "hundreddays.bodylimit.RequestBodyLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Counts every write to the project's views: 429 past RATE_LIMITS.
    "hundreddays.ratelimit.WriteRateLimitMiddleware",
    "accounts.middleware.ProviderNotConfiguredMiddleware",
]

ROOT_URLCONF = "hundreddays.urls"
WSGI_APPLICATION = "hundreddays.wsgi.application"

_loaders = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.site",
                # Last: while a kept page is built, its CSRF fields are cut out of it.
                "journal.pagecache.csrf_slots",
            ],
            # Cached loader in production; re-read templates on each request in development.
            "loaders": _loaders if DEBUG else [("django.template.loaders.cached.Loader", _loaders)],
        },
    }
]

# --- Data -------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured("DATABASE_URL must start with postgres:// or sqlite://.")
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check that costs no round trip (hundreddays.postgresql).
        _db["ENGINE"] = "hundreddays.postgresql"
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
DATABASES = {"default": _db}
# The public pages' hand-written statements are planned once per connection (hundreddays.prepared).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "hundreddays.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "hundreddays.cache.DatabaseCache",
            "LOCATION": "hundreddays_cache",
            # Past MAX_ENTRIES (default 300) Django deletes a third of the table in key order,
            # allauth's rate-limit counters first: far too few for pages cached per participant.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
# With Redis: read from the cache (cheaper than the ORM query), written through to the database,
# read from the database when Redis does not answer. With the database cache a cache read
# is a query too, so sessions go to their own table directly.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in user from Redis when it is configured.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory: the only setting with which allauth can hide whether an address has an account.
# Sign-up with a known address then looks exactly like a new one ("we sent you an email"), and
# the address's owner gets an email saying someone tried. "optional" or "none" reveal it.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory", ("none", "optional", "mandatory")
)
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out: the 11th failed sign-in from one address
    # within a minute is refused.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False

GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = env_str("GOOGLE_CLIENT_SECRET")
if bool(GOOGLE_CLIENT_ID) != bool(GOOGLE_CLIENT_SECRET):
    raise ImproperlyConfigured("Set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither.")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"access_type": "online", "prompt": "select_account"},
        "OAUTH_PKCE_ENABLED": True,
        "FETCH_USERINFO": True,
        "VERIFIED_EMAIL": False,
        "APPS": (
            [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}]
            if GOOGLE_CLIENT_ID
            else []
        ),
    }
}

# --- Email ------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    # Development: the whole email on the console, links included.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # Production without a mail server: one log line per email (recipients, subject), never the body,
    # whose links would sign in whoever reads the logs.
    EMAIL_BACKEND = "hundreddays.mail.LogOnlyEmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hundred Days <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages and time -----------------------------------------------------

LANGUAGE_CODE = env_choice("DJANGO_LANGUAGE_CODE", "en", ("en", "es"))
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "/static/"
# The image collects into /app/staticfiles at build time; scripts/check_production.py uses a temp folder.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Whitenoise serves hashed names (app.3f2a9c.css) with "max-age=315360000, public, immutable" and
# a .br or .gz variant when the browser accepts one. This max-age is for files asked for by their
# plain name (app.css), which change on deploy: an hour, not a year.
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600
# Request bodies (hundreddays/bodylimit.py): past its limit a request gets 413 before anything
# reads it. The largest form (an entry: two 20,000-character fields) is about 360 KB
# percent-encoded in a script of 3-byte characters; the import takes its 2 MB file and the form.
REQUEST_MAX_BYTES = env_int(
    "DJANGO_REQUEST_MAX_BYTES", 512 * 1024, minimum=64 * 1024, maximum=2 * 1024 * 1024
)
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_REQUEST_MAX_BYTES = IMPORT_MAX_BYTES + 64 * 1024
# Above both limits: an accepted body is parsed in memory, never spilled to the temp directory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security ---------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", "https:"] if not DEBUG else ["'self'", "http:", "https:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Writes to the project's views (hundreddays/ratelimit.py), per signed-in user and per client
# address, in the shared cache. One POST every 2 s (30 a minute) is never limited; 60 in a second is.
# The import parses up to 2 MB per POST, so it has its own, lower limit.
RATE_LIMITS = {
    "write": env_rates("DJANGO_RATE_LIMIT_WRITES", "10/10s/user,60/m/user,120/m/ip"),
    "import": env_rates("DJANGO_RATE_LIMIT_IMPORTS", "10/m/user,60/h/user,120/h/ip"),
}

# allauth's rate limits count per client address: behind N proxies that each append to
# X-Forwarded-For, say so, or every visitor shares the proxy's address (and its limit).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)

SILENCED_SYSTEM_CHECKS = []
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The container health check asks over plain HTTP from inside; a redirect would fail it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if not SECURE_SSL_REDIRECT:
        # The operator says the proxy in front redirects HTTP to HTTPS.
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, path /, no Domain, so no subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # Under gunicorn (the image) leave this off and set FORWARDED_ALLOW_IPS instead: gunicorn then
    # takes X-Forwarded-Proto only from that proxy. This setting trusts it from anyone who reaches us.
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------

LOG_LEVEL = env_choice("DJANGO_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
# One line per record on stdout, key=value (hundreddays/logfmt.py); gunicorn writes its request
# lines in the same format (docker/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"logfmt": {"()": "hundreddays.logfmt.LogfmtFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "logfmt", "stream": "ext://sys.stdout"}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "INFO"},
        # Request errors are logged by django.request with the path only: no query string,
        # no headers, no cookies.
        "django.request": {"level": "ERROR"},
        # Bots asking for another host name: the access line (status=400) says enough; no traceback.
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}

# --- Application ------------------------------------------------------------

REMINDER_HOUR = env_int("REMINDER_HOUR", 20, minimum=0, maximum=23)
# The API's own limit per personal token and minute (api/ratelimit.py); 0 turns one off.
API_READS_PER_MINUTE = env_int("API_READS_PER_MINUTE", 300, minimum=0)
API_WRITES_PER_MINUTE = env_int("API_WRITES_PER_MINUTE", 60, minimum=0)
