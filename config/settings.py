"""Settings for the union reporting system.

Everything a deployment changes comes from the environment; the defaults give a first run that
needs nothing: SQLite in the project folder and Celery tasks run in-process.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-use-in-production"

# The demo's logins share a published password: `seed_demo` refuses to run with DEBUG=0. Read
# here, from the environment, because the test runner turns settings.DEBUG off.
DEMO_DATA_ALLOWED = DEBUG

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "federation",
    "membership",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with its own page.
    "axes.middleware.AxesMiddleware",
]

# Wrong passwords are counted per username and address (django-axes): the fifth in a row locks
# that pair out for a quarter of an hour, on the login page, the admin and the API's token.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.deployment",
                "config.context_processors.home_unit",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache that every gunicorn process shares in production (CACHE_URL, a Redis database): the
# sessions read from it instead of the session table on every request, and the API's login
# limit counts across processes. On a first run each process keeps its own in memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Written through to the table as well, so that a restarted Redis logs no one out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "config.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first: dates dd/mm/yyyy and numbers 1.234,5 (see config/formats/vi).
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package.json); they are served straight out of node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/tinos", NODE_MODULES / "@expo-google-fonts" / "tinos"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no broker configured, tasks run in-process so a first run needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
CELERY_TIMEZONE = TIME_ZONE
# A message whose worker died unacknowledged goes back to the queue once no task could still be
# running it: Redis's default (an hour) would leave a report "running" that long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# Periodic sweeps, run by `celery -A config worker --beat` (make worker): a report version still
# running past the task time limit is queued again; upload previews left over an hour are removed.
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-report-versions": {
        "task": "reports.tasks.requeue_stuck_versions",
        "schedule": 60.0,
    },
    "remove-expired-upload-previews": {
        "task": "federation.tasks.remove_expired_uploads",
        "schedule": 15 * 60.0,
    },
    # Every morning: the staff of units whose month is not complete, N days before its deadline.
    "remind-before-the-deadline": {
        "task": "federation.tasks.remind_before_deadline",
        "schedule": crontab(hour=7, minute=30),
    },
}

# Monthly entries lock this many days after their month ends (DESIGN.md, API.md).
ENTRY_LOCK_DAYS = envint("ENTRY_LOCK_DAYS", 10)
# Staff of units whose month is not complete are reminded this many days before its deadline
# (by email, and by a banner on their home page).
REMINDER_DAYS_BEFORE_DEADLINE = envint("REMINDER_DAYS_BEFORE_DEADLINE", 3)

# Email: printed to the console on a first run; SMTP once EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Báo cáo Công đoàn <noreply@localhost>")
# Where the links in emails lead.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Registers that suggest a month's figures in the entry grid: functions (units, year, month) →
# {unit id: {indicator code: value}}. Named here, so that federation never imports the apps
# built on it.
ENTRY_SUGGESTION_SOURCES = ["membership.selectors.registry_suggestions_for"]

# The HTTP API (shared/API.md): JSON only, a token or a browser session, every error in one
# of two shapes (federation.api.errors).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a call without credentials answers 401 with WWW-Authenticate: Token.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["federation.api.parsers.JSONParser"],
    # The token endpoint's own limit, by address, on top of the lockout after wrong passwords.
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("API_LOGIN_RATE", "20/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "federation.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Hệ thống báo cáo Công đoàn",
    "DESCRIPTION": (
        "Units, indicators, targets, monthly entries, progress and half-year reports of the "
        "union federations, as in API.md. Send `Authorization: Token <token>` (from "
        "`POST /api/v1/auth/token/`) or use a logged-in browser session. A unit outside the "
        "caller's scope answers 404; a write its role does not allow answers 403. Every 400 "
        'answers `{"errors": [{"row", "field", "message"}]}`; other errors `{"detail": "..."}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page describe every door: for signed-in users, not for visitors.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "federation.models.UnitKind",
        "SectorEnum": "federation.models.Sector",
        "PeriodEnum": "federation.models.Period",
        "AggregationEnum": "federation.models.Aggregation",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStatusEnum": "reports.models.VersionStatus",
    },
    # Swagger UI and ReDoc are served from the drf-spectacular-sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Request bodies: none past MAX_REQUEST_BYTES (a 10 MB Excel file and its form fit), refused with
# a 413 before they are read (config/middleware.py); the API's past API_MAX_BODY_BYTES, before
# they are parsed (federation.api.parsers); form fields as Django limits them.
MAX_REQUEST_BYTES = envint("MAX_REQUEST_BYTES", 12 * 1024 * 1024)
API_MAX_BODY_BYTES = envint("API_MAX_BODY_BYTES", 5 * 1024 * 1024)

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    # HTTPS only, behind a proxy that terminates TLS and says so in X-Forwarded-Proto.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    # Joining the browsers' HSTS preload list is the domain owner's choice, made outside the app
    # and hard to take back: SECURE_HSTS_PRELOAD=1 opts in; check --deploy need not ask.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every layout at INFO: a line per page of each report.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
