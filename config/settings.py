"""MarrowTrack settings: one environment-driven module with safe local defaults.

Every value that differs between a laptop and production comes from the environment
(`DATABASE_URL`, `SECRET_KEY`, `ALLOWED_HOSTS`, `MARROWTRACK_*`). Bad values fail loudly at
start-up instead of being silently replaced.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MARROWTRACK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("MARROWTRACK_DEBUG", default=False)
# Production refuses to start without a real secret; local runs get a fixed dev key.
_DEV_SECRET = "dev-only-insecure-key-marrowtrack-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
PRODUCTION = env_bool("MARROWTRACK_PRODUCTION", default=False)
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when MARROWTRACK_PRODUCTION is on")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for the project's form renderer
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "template_partials",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "marrowtrack.ops",
    "marrowtrack.core",
    "marrowtrack.accounts",
    "marrowtrack.audit",
    "marrowtrack.facilities",
    "marrowtrack.patients",
    "marrowtrack.notifications",
    "marrowtrack.esign",
    "marrowtrack.intake",
    "marrowtrack.procedures",
    "marrowtrack.lab",
    "marrowtrack.outcomes",
    "marrowtrack.recovery",
    "marrowtrack.analytics",
    "marrowtrack.portal",
    "marrowtrack.interop",
    "marrowtrack.web",
    "marrowtrack.demo",
]

MIDDLEWARE = [
    # First: every response (errors included) carries the request id and is logged and counted.
    "marrowtrack.ops.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marrowtrack.api.errors.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A staff page is in the user's clinic's time zone, never the server's (ADR 0025).
    "marrowtrack.accounts.middleware.ClinicTimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "marrowtrack.esign.middleware.SigningAttemptsMiddleware",
    "marrowtrack.accounts.middleware.IdleLogoutMiddleware",
    "marrowtrack.esign.patient_mode.PatientModeMiddleware",
    "marrowtrack.accounts.middleware.TwoFactorRequiredMiddleware",
    "marrowtrack.accounts.middleware.AccessDeniedAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Fields render through marrowtrack/templates/forms/field.html ({{ field.as_field_group }}).
FORM_RENDERER = "marrowtrack.core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "marrowtrack" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marrowtrack.web.context_processors.navigation",
            ],
            # `|clinic_time`: every template shows a time the same way (ADR 0025).
            "builtins": ["marrowtrack.core.templatetags.clinic_time"],
        },
    },
]


def _database_config(url: str) -> dict[str, Any]:
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'marrowtrack.sqlite3'}"
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while a writer commits; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing half-way.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
        # Persistent like PostgreSQL's (one connection per server thread, kept 60 s): a new
        # connection and its four PRAGMAs cost about 5 % of a request under load
        # (docs/performance.md). Safe with WAL and threads (each thread has its own), and
        # with `restore`, which writes through SQLite's backup API, not by replacing the file.
    elif config["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "MARROWTRACK_PG_SERVER_BINDING", default=True
    ):
        # Parameters bound by the server, and a statement a connection has run 5 times
        # prepared (Django turns psycopg's preparing off unless asked): the server then
        # skips parsing and planning it. PostgreSQL's CPU per request fell by a quarter to
        # a half (docs/performance.md, ADR 0037). Off for a pooler that does not keep
        # prepared statements (PgBouncer in transaction mode before 1.21).
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    return config


DATABASES = {"default": _database_config(os.environ.get("DATABASE_URL", ""))}
# A streaming replica for analytics and exports (docs/deploy.md): reads of the apps in
# MARROWTRACK_REPLICA_APPS go there (marrowtrack.ops.routers.ReplicaRouter), writes never do.
if os.environ.get("MARROWTRACK_REPLICA_URL"):
    DATABASES["replica"] = _database_config(os.environ["MARROWTRACK_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["marrowtrack.ops.routers.ReplicaRouter"]
MARROWTRACK_REPLICA_APPS = env_list("MARROWTRACK_REPLICA_APPS", ["analytics", "interop"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Reads a user's permissions in one query for ModelBackend, which decides (its docstring).
    "marrowtrack.accounts.backends.PermissionPreloadBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("MARROWTRACK_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("MARROWTRACK_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "marrowtrack.accounts.views.locked_out"
AXES_VERBOSE = False
# Axes keeps the POST data of a failed attempt: never the second person's password or codes.
AXES_SENSITIVE_PARAMETERS = [
    "second_password",
    "verifier_password",
    "new_password1",
    "new_password2",
    "old_password",
    "totp",
    "otp_token",
]
# POST /api/v1/auth/token answers at most this many requests a minute per address.
MARROWTRACK_TOKEN_RATE = os.environ.get("MARROWTRACK_TOKEN_RATE", "20/m")
# E-signature re-authentications (password, and code when two-factor is on) per address: a
# busy procedure day signs a few a minute; failures also count toward the lockout (axes).
MARROWTRACK_REAUTH_RATE = os.environ.get("MARROWTRACK_REAUTH_RATE", "30/m")

# Automatic logoff after idle time (HIPAA 164.312(a)(2)(iii)).
MARROWTRACK_IDLE_MINUTES = env_int("MARROWTRACK_IDLE_MINUTES", 15, minimum=1)
# Minimum minutes in recovery before discharge, from the server-recorded recovery time.
MARROWTRACK_MIN_RECOVERY_MINUTES = env_int("MARROWTRACK_MIN_RECOVERY_MINUTES", 30, minimum=0)
# The patient evidence card shows a group's figures from this many patients on (issue 14
# item 4; docs/decisions/0028): never below 10, where one patient's result could be guessed.
MARROWTRACK_EVIDENCE_MIN_GROUP = env_int("MARROWTRACK_EVIDENCE_MIN_GROUP", 20, minimum=10)
# Django's database sessions, the row read by a query built once (accounts/sessions.py).
SESSION_ENGINE = "marrowtrack.accounts.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# TOTP is required for staff in production and optional in the demo.
MARROWTRACK_REQUIRE_2FA = env_bool("MARROWTRACK_REQUIRE_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = "MarrowTrack"
MARROWTRACK_API_TOKEN_HOURS = env_int("MARROWTRACK_API_TOKEN_HOURS", 12, minimum=1)

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("MARROWTRACK_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "marrowtrack" / "static"]
_NODE_MODULES = BASE_DIR / "node_modules"
if (_NODE_MODULES / "htmx.org").exists():
    STATICFILES_DIRS.append(("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# The audit anchor: an append-only file outside the database
# (docs/decisions/0007-audit-anchor-and-per-clinic-chains.md).
MARROWTRACK_AUDIT_ANCHOR = Path(
    os.environ.get("MARROWTRACK_AUDIT_ANCHOR", VAR_DIR / "audit-anchor.log")
)

EMAIL_BACKEND = os.environ.get(
    "MARROWTRACK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("MARROWTRACK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MARROWTRACK_EMAIL_PORT", 25)
# Absolute address used in links sent by email (survey reminders).
MARROWTRACK_BASE_URL = os.environ.get("MARROWTRACK_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("MARROWTRACK_FROM_EMAIL", "clinic@marrowtrack.invalid")

# FHIR (docs/fhir.md): identifier systems and local code systems are named under this URL.
# Set it once to an address your organisation controls: changing it later makes the
# identifiers of earlier exports look foreign when they are imported again.
MARROWTRACK_FHIR_NAMESPACE = os.environ.get(
    "MARROWTRACK_FHIR_NAMESPACE", "https://marrowtrack.invalid/fhir"
).rstrip("/")
# Hours the files of an asynchronous bulk export stay downloadable, and where they are kept
# (the web processes and the worker must see the same directory).
MARROWTRACK_FHIR_EXPORT_HOURS = env_int("MARROWTRACK_FHIR_EXPORT_HOURS", 24, minimum=1)
MARROWTRACK_FHIR_EXPORT_DIR = Path(
    os.environ.get("MARROWTRACK_FHIR_EXPORT_DIR", VAR_DIR / "fhir-exports")
)

# Strict CSP: every script and style is a same-origin static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("MARROWTRACK_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("MARROWTRACK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# One JSON object a line on stderr, with the request id and no patient data (ops/logs.py).
# MARROWTRACK_LOG_FORMAT=text gives plain lines for a terminal.
_LOG_FORMATTER = os.environ.get("MARROWTRACK_LOG_FORMAT", "json")
if _LOG_FORMATTER not in {"json", "text"}:
    raise ImproperlyConfigured(
        f"MARROWTRACK_LOG_FORMAT must be json or text, not {_LOG_FORMATTER!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "marrowtrack.ops.requestid.RequestIdFilter"},
        "path_withheld": {"()": "marrowtrack.ops.logs.PathWithheldFilter"},
        "permission_denied_one_line": {"()": "marrowtrack.ops.logs.PermissionDeniedOneLineFilter"},
    },
    "formatters": {
        "json": {"()": "marrowtrack.ops.logs.SafeJsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _LOG_FORMATTER,
            "filters": ["request_id", "path_withheld"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MARROWTRACK_LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs each failed log-in with the name typed, which can be a patient's name
        # typed into the wrong box; failures are in the audit trail (login_failed) instead.
        "axes": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # SQL with its parameters (names, MRNs) even when the level is DEBUG.
        "django.db.backends": {"level": "WARNING"},
        # A refused page is one line, not a traceback (the audit trail has the refusal).
        "django.request": {"filters": ["permission_denied_one_line"]},
        "marrowtrack.request": {"level": os.environ.get("MARROWTRACK_REQUEST_LOG", "INFO")},
    },
}

# Rate limits per client address (marrowtrack.ops.ratelimit): the log-in form's POSTs and
# patient links (survey links now, the portal's later). django-axes locks a name after
# MARROWTRACK_LOCKOUT_FAILURES failures; these stop one address trying many names.
MARROWTRACK_LOGIN_RATE = os.environ.get("MARROWTRACK_LOGIN_RATE", "10/m")
MARROWTRACK_PORTAL_LINK_RATE = os.environ.get("MARROWTRACK_PORTAL_LINK_RATE", "20/m")
# Proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
MARROWTRACK_TRUSTED_PROXIES = env_int("MARROWTRACK_TRUSTED_PROXIES", 0)
NINJA_NUM_PROXIES = MARROWTRACK_TRUSTED_PROXIES
AXES_CLIENT_IP_CALLABLE = "marrowtrack.ops.ratelimit.client_address"
# Rate-limit counters and throttles live in the cache: with several app processes it must be
# shared (database: run `marrowtrack createcachetable` once), or each process counts alone.
_CACHE = os.environ.get("MARROWTRACK_CACHE", "local")
if _CACHE not in {"local", "database"}:
    raise ImproperlyConfigured(f"MARROWTRACK_CACHE must be local or database, not {_CACHE!r}")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if _CACHE == "database"
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "marrowtrack_cache",
    }
}

# Health and metrics (marrowtrack.ops): the worker is failing after this many seconds without
# a heartbeat; /metrics answers only these networks (the Prometheus scraper's).
MARROWTRACK_WORKER_MAX_SILENCE = env_int("MARROWTRACK_WORKER_MAX_SILENCE", 120, minimum=10)
MARROWTRACK_METRICS_FROM = env_list("MARROWTRACK_METRICS_FROM", ["127.0.0.0/8", "::1/128"])

NINJA_PAGINATION_PER_PAGE = 50
# A bound on every page size (ninja's default is unbounded); offsets are bounded per class
# (core.pagination).
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_CLASS = "marrowtrack.core.pagination.BoundedLimitOffsetPagination"

# Patient messages (docs/decisions/0010-notifications-exactly-once.md). SMS goes through a
# pluggable backend; the file backend (one JSON line per message) can confirm a delivery
# after a crash, the console backend only prints.
MARROWTRACK_SMS_BACKEND = os.environ.get(
    "MARROWTRACK_SMS_BACKEND", "marrowtrack.notifications.backends.FileSmsBackend"
)
MARROWTRACK_SMS_FILE = os.environ.get("MARROWTRACK_SMS_FILE", str(VAR_DIR / "sms-outbox.jsonl"))
# Unsolicited messages wait for the end of quiet hours, in each clinic's own time zone.
MARROWTRACK_QUIET_HOURS = os.environ.get("MARROWTRACK_QUIET_HOURS", "21:00-08:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", MARROWTRACK_QUIET_HOURS):
    raise ImproperlyConfigured(
        f"MARROWTRACK_QUIET_HOURS must look like 21:00-08:00, not {MARROWTRACK_QUIET_HOURS!r}"
    )
MARROWTRACK_SEND_MAX_ATTEMPTS = env_int("MARROWTRACK_SEND_MAX_ATTEMPTS", 5, minimum=1)
# A message left "sending" this long by a stopped worker is settled by the next worker.
MARROWTRACK_SEND_LEASE_SECONDS = env_int("MARROWTRACK_SEND_LEASE_SECONDS", 300)
# Printed on discharge instructions next to the clinic's own number.
MARROWTRACK_EMERGENCY_NUMBER = os.environ.get("MARROWTRACK_EMERGENCY_NUMBER", "911")

# Background work (reminders, messages): a database-backed queue run by `marrowtrack worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
